"""Generate the packaged demo profiles (matcher/demo/profiles.jsonl).

Deterministic (random.Random(42)), standard library only. Run from the repo root:

    python3 matcher/demo/generate.py

The output file is overwritten. Profiles never contain (or hint at) age, gender,
pronouns, ethnicity, religion or health; "junior"/"senior" refers to seniority only.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().with_name("profiles.jsonl")
SEED = 42

# --------------------------------------------------------------------------------------
# Places: (city, IANA timezone, languages everybody there speaks, optional local
# languages, name cultures most common in our office there)
# --------------------------------------------------------------------------------------
LOCATIONS = [
    ("Toronto", "America/Toronto", ["en"], ["fr"], ["anglo", "chinese", "indian", "french", "filipino"]),
    ("Vancouver", "America/Vancouver", ["en"], ["fr"], ["anglo", "chinese", "indian", "korean"]),
    ("New York", "America/New_York", ["en"], ["es"], ["anglo", "hispanic", "chinese", "nigerian", "hebrew", "italian"]),
    ("San Francisco", "America/Los_Angeles", ["en"], ["es"], ["anglo", "chinese", "indian", "hispanic", "korean", "vietnamese"]),
    ("Seattle", "America/Los_Angeles", ["en"], [], ["anglo", "chinese", "indian", "japanese"]),
    ("Chicago", "America/Chicago", ["en"], ["pl", "es"], ["anglo", "polish", "hispanic"]),
    ("Austin", "America/Chicago", ["en"], ["es"], ["anglo", "hispanic", "indian"]),
    ("Denver", "America/Denver", ["en"], ["es"], ["anglo", "hispanic"]),
    ("Mexico City", "America/Mexico_City", ["es"], [], ["hispanic"]),
    ("Bogota", "America/Bogota", ["es"], [], ["hispanic"]),
    ("Lima", "America/Lima", ["es"], ["qu"], ["hispanic"]),
    ("Santiago", "America/Santiago", ["es"], [], ["hispanic"]),
    ("Buenos Aires", "America/Argentina/Buenos_Aires", ["es"], ["it"], ["hispanic", "italian"]),
    ("Sao Paulo", "America/Sao_Paulo", ["pt"], ["es"], ["lusophone", "japanese", "italian"]),
    ("London", "Europe/London", ["en"], [], ["anglo", "indian", "southasian", "nigerian", "polish"]),
    ("Dublin", "Europe/Dublin", ["en"], ["ga"], ["anglo", "polish", "lusophone"]),
    ("Lisbon", "Europe/Lisbon", ["pt"], ["es"], ["lusophone"]),
    ("Madrid", "Europe/Madrid", ["es"], [], ["hispanic"]),
    ("Barcelona", "Europe/Madrid", ["es"], ["ca"], ["hispanic"]),
    ("Paris", "Europe/Paris", ["fr"], [], ["french", "arabic"]),
    ("Berlin", "Europe/Berlin", ["de"], [], ["german", "turkish", "polish"]),
    ("Munich", "Europe/Berlin", ["de"], [], ["german", "italian"]),
    ("Amsterdam", "Europe/Amsterdam", ["nl"], ["de"], ["dutch", "turkish"]),
    ("Stockholm", "Europe/Stockholm", ["sv"], [], ["nordic"]),
    ("Warsaw", "Europe/Warsaw", ["pl"], ["de"], ["polish"]),
    ("Milan", "Europe/Rome", ["it"], ["fr"], ["italian"]),
    ("Zurich", "Europe/Zurich", ["de"], ["fr", "it"], ["german", "italian", "french"]),
    ("Istanbul", "Europe/Istanbul", ["tr"], [], ["turkish"]),
    ("Cairo", "Africa/Cairo", ["ar"], ["fr"], ["arabic"]),
    ("Casablanca", "Africa/Casablanca", ["ar", "fr"], [], ["arabic"]),
    ("Lagos", "Africa/Lagos", ["en"], ["yo", "ig", "ha"], ["nigerian"]),
    ("Accra", "Africa/Accra", ["en"], ["tw"], ["ghanaian"]),
    ("Nairobi", "Africa/Nairobi", ["en", "sw"], [], ["eastafrican"]),
    ("Johannesburg", "Africa/Johannesburg", ["en"], ["zu", "af"], ["southafrican"]),
    ("Dubai", "Asia/Dubai", ["en"], ["ar", "hi"], ["arabic", "indian", "southasian", "filipino"]),
    ("Tel Aviv", "Asia/Jerusalem", ["he"], [], ["hebrew"]),
    ("Karachi", "Asia/Karachi", ["ur"], [], ["southasian"]),
    ("Dhaka", "Asia/Dhaka", ["bn"], [], ["southasian"]),
    ("Bangalore", "Asia/Kolkata", ["en", "hi"], ["kn", "ta"], ["indian"]),
    ("Mumbai", "Asia/Kolkata", ["en", "hi"], ["mr"], ["indian"]),
    ("Delhi", "Asia/Kolkata", ["en", "hi"], [], ["indian"]),
    ("Singapore", "Asia/Singapore", ["en"], ["zh", "ms", "ta"], ["chinese", "malay", "indian"]),
    ("Kuala Lumpur", "Asia/Kuala_Lumpur", ["ms"], ["zh"], ["malay", "chinese"]),
    ("Jakarta", "Asia/Jakarta", ["id"], [], ["indonesian"]),
    ("Manila", "Asia/Manila", ["en", "tl"], [], ["filipino"]),
    ("Ho Chi Minh City", "Asia/Ho_Chi_Minh", ["vi"], [], ["vietnamese"]),
    ("Bangkok", "Asia/Bangkok", ["th"], [], ["thai"]),
    ("Shanghai", "Asia/Shanghai", ["zh"], [], ["chinese"]),
    ("Hong Kong", "Asia/Hong_Kong", ["zh", "en"], [], ["chinese"]),
    ("Taipei", "Asia/Taipei", ["zh"], [], ["chinese"]),
    ("Seoul", "Asia/Seoul", ["ko"], [], ["korean"]),
    ("Tokyo", "Asia/Tokyo", ["ja"], [], ["japanese"]),
    ("Sydney", "Australia/Sydney", ["en"], [], ["anglo", "chinese", "indian", "vietnamese"]),
    ("Melbourne", "Australia/Melbourne", ["en"], [], ["anglo", "italian", "chinese"]),
    ("Auckland", "Pacific/Auckland", ["en"], ["mi"], ["anglo", "maori"]),
]
# Rough weights so that a few hubs are larger than the rest.
LOCATION_WEIGHT = {
    "London": 5, "New York": 5, "San Francisco": 4, "Toronto": 4, "Bangalore": 4, "Berlin": 4,
    "Singapore": 4, "Sao Paulo": 4, "Lagos": 3, "Sydney": 3, "Mexico City": 3, "Madrid": 3,
    "Paris": 3, "Tokyo": 3, "Nairobi": 3, "Mumbai": 3, "Amsterdam": 2, "Dubai": 2, "Chicago": 2,
    "Seattle": 2, "Manila": 2, "Jakarta": 2, "Johannesburg": 2, "Warsaw": 2, "Dublin": 2,
}

LANG_NAMES = {
    "en": "English", "fr": "French", "es": "Spanish", "pt": "Portuguese", "de": "German",
    "nl": "Dutch", "sv": "Swedish", "pl": "Polish", "it": "Italian", "tr": "Turkish",
    "ar": "Arabic", "yo": "Yoruba", "ig": "Igbo", "ha": "Hausa", "tw": "Twi", "sw": "Swahili",
    "zu": "Zulu", "af": "Afrikaans", "hi": "Hindi", "ur": "Urdu", "bn": "Bengali", "kn": "Kannada",
    "ta": "Tamil", "mr": "Marathi", "zh": "Chinese", "ms": "Malay", "id": "Indonesian",
    "tl": "Tagalog", "vi": "Vietnamese", "th": "Thai", "ko": "Korean", "ja": "Japanese",
    "he": "Hebrew", "ga": "Irish", "mi": "Maori", "ca": "Catalan", "qu": "Quechua",
}

# --------------------------------------------------------------------------------------
# Names (first, last) by naming tradition, and the language that tradition suggests
# for someone living elsewhere.
# --------------------------------------------------------------------------------------
NAMES = {
    "anglo": ("en", ["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Sophie", "Ethan", "Grace", "Lucas",
                     "Hannah", "Owen", "Chloe", "Ryan", "Megan", "Callum", "Isla", "Declan", "Aoife", "Ciaran",
                     "Jordan", "Morgan", "Riley", "Taylor", "Casey", "Jamie", "Alex", "Sam", "Robin", "Quinn"],
              ["Walker", "Thompson", "Bennett", "Hughes", "Clarke", "Murphy", "O'Brien", "Fitzgerald", "Campbell",
               "Reid", "Foster", "Sullivan", "Harper", "Morrison", "Gallagher", "Whitfield", "Brennan", "Doyle",
               "Ellison", "Marsh", "Pryce", "Holloway", "Kavanagh", "Ashworth"]),
    "hispanic": ("es", ["Sofía", "Mateo", "Valentina", "Diego", "Camila", "Santiago", "Lucía", "Alejandro",
                        "Isabela", "Javier", "Daniela", "Andrés", "Carmen", "Pablo", "Ximena", "Rodrigo", "Paula",
                        "Emilio", "Renata", "Tomás", "Mariana", "Joaquín", "Elena", "Sebastián"],
                 ["García", "Rodríguez", "Martínez", "Hernández", "López", "Torres", "Ramírez", "Flores",
                  "Castillo", "Vargas", "Morales", "Ortega", "Navarro", "Delgado", "Ríos", "Guerrero", "Mendoza",
                  "Salazar", "Cabrera", "Aguilar", "Fuentes", "Paredes"]),
    "lusophone": ("pt", ["João", "Ana", "Pedro", "Beatriz", "Rafael", "Mariana", "Thiago", "Larissa", "Gabriel",
                         "Fernanda", "Bruno", "Inês", "Tiago", "Luana", "Caio", "Juliana", "Vinícius", "Letícia"],
                  ["Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ferreira", "Carvalho",
                   "Ribeiro", "Duarte", "Barbosa", "Moreira", "Teixeira", "Lima", "Rocha"]),
    "french": ("fr", ["Camille", "Louis", "Chloé", "Hugo", "Manon", "Théo", "Léa", "Antoine", "Élodie", "Julien",
                      "Margaux", "Mathis", "Inès", "Bastien", "Clémence", "Nathan"],
               ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Fournier", "Mercier",
                "Rousseau", "Bonnet", "Lambert", "Fontaine", "Chevalier"]),
    "german": ("de", ["Lena", "Jonas", "Anna", "Felix", "Marie", "Lukas", "Johanna", "Maximilian", "Paul",
                      "Clara", "Tobias", "Katharina", "Moritz", "Greta", "Niklas", "Frieda"],
               ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Wagner", "Krüger",
                "Hartmann", "Vogel", "Brandt", "Keller", "Lorenz"]),
    "dutch": ("nl", ["Sanne", "Daan", "Femke", "Bram", "Lotte", "Jesse", "Noor", "Thijs", "Fleur", "Ruben"],
              ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "de Boer", "Mulder", "van Dijk", "Bos", "Vermeulen"]),
    "nordic": ("sv", ["Lars", "Astrid", "Erik", "Ingrid", "Nils", "Elsa", "Oskar", "Maja", "Axel", "Linnea"],
               ["Lindqvist", "Andersson", "Johansson", "Nilsson", "Berg", "Lindgren", "Holm", "Sandberg",
                "Ekström", "Nyberg"]),
    "polish": ("pl", ["Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Magdalena", "Marek", "Zofia", "Jakub",
                      "Aleksandra", "Bartosz", "Natalia", "Michał"],
               ["Nowak", "Kowalczyk", "Wójcik", "Mazur", "Krawczyk", "Dudek", "Kaczmarek", "Sikora", "Pawlak",
                "Michalak"]),
    "italian": ("it", ["Giulia", "Marco", "Chiara", "Luca", "Francesca", "Alessandro", "Martina", "Matteo",
                       "Federica", "Davide", "Sara", "Lorenzo"],
                ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
                 "Greco", "Conti", "Gallo", "Fontana"]),
    "turkish": ("tr", ["Elif", "Emre", "Zeynep", "Burak", "Ayşe", "Mehmet", "Deniz", "Can", "Ece", "Kerem",
                       "Selin", "Onur"],
                ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın", "Öztürk", "Arslan", "Doğan", "Koç"]),
    "arabic": ("ar", ["Omar", "Layla", "Youssef", "Nour", "Karim", "Hana", "Tariq", "Yasmin", "Samir", "Rania",
                      "Amir", "Salma", "Hassan", "Dalia", "Khaled", "Mona"],
               ["Haddad", "Mansour", "Khalil", "Nasser", "El-Sayed", "Farouk", "Saleh", "Aziz", "Hamdan",
                "Benali", "Bakri", "Tazi", "Chraibi", "Fahmy"]),
    "nigerian": ("yo", ["Chinedu", "Ngozi", "Oluwaseun", "Adaeze", "Tunde", "Folake", "Emeka", "Ifeoma",
                        "Chiamaka", "Babajide", "Halima", "Musa", "Temitope", "Obinna", "Funmilayo", "Aisha"],
                 ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Nwosu", "Eze", "Adebayo", "Oyelaran", "Bello",
                  "Ogunleye", "Chukwu", "Ibrahim", "Afolabi", "Nnamdi"]),
    "ghanaian": ("tw", ["Kwame", "Ama", "Kofi", "Efua", "Yaw", "Abena", "Kwabena", "Akosua", "Kojo", "Esi",
                        "Nana", "Adjoa"],
                 ["Mensah", "Asante", "Owusu", "Boateng", "Appiah", "Osei", "Agyeman", "Darko", "Ofori",
                  "Quaye"]),
    "eastafrican": ("sw", ["Wanjiru", "Otieno", "Achieng", "Kamau", "Njeri", "Baraka", "Amani", "Zawadi",
                           "Juma", "Akinyi", "Wekesa", "Nyambura", "Kipchoge", "Neema"],
                    ["Mwangi", "Odhiambo", "Kariuki", "Njoroge", "Onyango", "Kimani", "Mutua", "Ochieng",
                     "Chebet", "Wafula", "Kiplagat", "Maina"]),
    "southafrican": ("zu", ["Thabo", "Naledi", "Sipho", "Lerato", "Zanele", "Pieter", "Anika", "Bongani",
                            "Nomvula", "Themba", "Karabo", "Lindiwe"],
                     ["Nkosi", "Dlamini", "Mokoena", "van der Merwe", "Botha", "Ndlovu", "Khumalo", "Molefe",
                      "Naidoo", "Pillay", "Mahlangu", "Coetzee"]),
    "indian": ("hi", ["Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Neha", "Aditya", "Meera", "Rahul",
                      "Divya", "Karthik", "Sneha", "Ishaan", "Pooja", "Sanjay", "Lakshmi", "Harpreet", "Aarav",
                      "Nandini", "Siddharth", "Gurpreet", "Deepa", "Varun"],
               ["Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Menon", "Rao", "Kapoor", "Desai",
                "Chatterjee", "Bose", "Singh", "Joshi", "Krishnan", "Mehta", "Kulkarni", "Banerjee", "Pillai",
                "Verma"]),
    "southasian": ("ur", ["Farhan", "Ayesha", "Imran", "Sadia", "Tanvir", "Nusrat", "Bilal", "Hina", "Arif",
                          "Rukhsana", "Zain", "Mahira", "Rafiq", "Tahmina"],
                   ["Khan", "Qureshi", "Rahman", "Hossain", "Siddiqui", "Malik", "Chowdhury", "Ahmed", "Islam",
                    "Sheikh", "Mirza", "Haque"]),
    "chinese": ("zh", ["Wei", "Mei", "Jun", "Xiaoling", "Hao", "Yan", "Lin", "Jing", "Zhiwei", "Yuting", "Kai",
                       "Shu", "Ying", "Bo", "Xin", "Jiahui", "Chen", "Ruoxi"],
                ["Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Zhou", "Wu", "Lin", "Tan", "Lim", "Ng", "Xu",
                 "Guo", "Ho", "Lau"]),
    "japanese": ("ja", ["Haruto", "Yui", "Sota", "Aoi", "Ren", "Sakura", "Kenji", "Emi", "Takumi", "Naoko",
                        "Daiki", "Yuna", "Hiroshi", "Mio"],
                 ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi",
                  "Kato", "Yoshida", "Matsumoto"]),
    "korean": ("ko", ["Minjun", "Seoyeon", "Jiwoo", "Hyun", "Jisoo", "Dohyun", "Yerin", "Sungmin", "Hayoon",
                      "Taeyang"],
               ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Han", "Shin"]),
    "vietnamese": ("vi", ["Linh", "Minh", "Thao", "Duc", "Huong", "Quang", "Trang", "Khanh", "Phuong", "Tuan"],
                   ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Do", "Ngo"]),
    "thai": ("th", ["Niran", "Kanya", "Somchai", "Ploy", "Arthit", "Pim", "Nattapong", "Siriporn", "Krit",
                    "Chanya"],
             ["Suksawat", "Chaiyaporn", "Wongsakul", "Srisuk", "Boonmee", "Rattanakul", "Thongchai",
              "Kittisak"]),
    "indonesian": ("id", ["Putri", "Budi", "Dewi", "Agus", "Rina", "Adi", "Sari", "Rizky", "Indah", "Fajar",
                          "Wulan", "Bayu"],
                   ["Santoso", "Wijaya", "Hidayat", "Kusuma", "Saputra", "Pratama", "Nugroho", "Halim",
                    "Setiawan", "Gunawan"]),
    "filipino": ("tl", ["Maria", "Jose", "Angelica", "Mark", "Kristine", "Paolo", "Bea", "Miguel", "Joy",
                        "Carlo", "Patricia", "Rafael"],
                 ["Santos", "Reyes", "Cruz", "Bautista", "Mendoza", "Villanueva", "Aquino", "Dela Cruz",
                  "Ramos", "Castro", "Manalo", "Soriano"]),
    "malay": ("ms", ["Aisyah", "Hafiz", "Nurul", "Faiz", "Siti", "Amirul", "Farah", "Iskandar", "Liyana",
                     "Syafiq"],
              ["Abdullah", "Ismail", "Yusof", "Hamzah", "Osman", "Razak", "Zainal", "Sulaiman"]),
    "hebrew": ("he", ["Noa", "Yonatan", "Tamar", "Itai", "Maya", "Eitan", "Shira", "Ariel", "Yael", "Omri"],
               ["Cohen", "Levi", "Mizrahi", "Friedman", "Shapiro", "Peretz", "Biton", "Katz", "Avraham",
                "Golan"]),
    "maori": ("mi", ["Aroha", "Tane", "Mere", "Wiremu", "Kiri", "Hemi", "Ataahua", "Rawiri"],
              ["Ngata", "Parata", "Tipene", "Horomona", "Te Rangi", "Waaka", "Karaka", "Paki"]),
}

# --------------------------------------------------------------------------------------
# Departments: chief titles (each used at most once) for seniority 10.
# --------------------------------------------------------------------------------------
CHIEFS = {
    "Engineering": ["Chief Technology Officer"],
    "Data": ["Chief Data Officer", "Chief AI Officer"],
    "Marketing": ["Chief Marketing Officer", "Chief Growth Officer"],
    "Brand": ["Chief Brand Officer"],
    "Sales": ["Chief Revenue Officer", "Chief Commercial Officer"],
    "Finance": ["Chief Financial Officer"],
    "HR": ["Chief People Officer"],
    "Operations": ["Chief Operating Officer", "Chief Strategy Officer", "Chief Executive Officer"],
    "Legal": ["Chief Legal Officer", "Chief Compliance Officer"],
    "Product": ["Chief Product Officer"],
    "Design": ["Chief Design Officer"],
    "Customer Success": ["Chief Customer Officer"],
    "IT": ["Chief Information Officer", "Chief Information Security Officer"],
    "Communications": ["Chief Communications Officer"],
    "Research": ["Chief Research Officer"],
    "Supply Chain": ["Chief Supply Chain Officer"],
}

# --------------------------------------------------------------------------------------
# Expertise areas. Each has concrete "experience" sentences (what I do) and "teach"
# sentences (what I can help with), short skill tags, verb phrases others may want to
# learn (used to write goals) and focused flash topics.
#   titles: j = seniority 1-2, m = 3-4, s = 5-6, p = 7 (managers first, then principals)
#   fn: function names used for Director (8) / VP (9) titles
# --------------------------------------------------------------------------------------
REVERSE_AREAS = {
    "short_video": dict(
        dept="Brand", topic="short-form video", team="content creators",
        titles=dict(j=["Social Media Coordinator", "Associate Social Media Specialist", "Junior Content Creator"],
                    m=["Social Media Specialist", "Content Creator", "Short-Form Video Specialist"]),
        skills=["tiktok", "instagram reels", "youtube shorts", "capcut", "short-form video"],
        exp=[
            "I script, film and edit TikToks and Instagram Reels for our brand account, usually in CapCut on my phone.",
            "Every week I publish three to five short-form videos and read the retention graphs in TikTok Analytics to see where viewers drop off.",
            "I run our YouTube Shorts channel and turn webinar recordings into 30-second vertical clips with burned-in captions.",
            "I keep a swipe file of trending sounds and hooks, and I test two or three opening hooks for every video.",
            "I produced our first TikTok series starring colleagues from the warehouse floor, shot entirely on phones.",
            "I edit in CapCut with auto-captions, jump cuts and templates, so a video goes from idea to posted in under an hour.",
        ],
        teach=[
            "I can show a leader how to film a 45-second update on their phone, caption it in CapCut and post it without a production team.",
            "I like explaining how the TikTok and Reels algorithms actually pick up a video, so executives stop guessing.",
            "I can set up your Instagram account with you, explain Stories versus Reels and help you draft your first three posts.",
            "I enjoy helping senior colleagues find a natural on-camera style and cut their talking points down to one clear hook.",
            "I can walk you through TikTok Analytics: watch time, completion rate and the second where people scroll away.",
        ],
        learn=["film and edit short videos for TikTok and Instagram Reels",
               "understand how the TikTok algorithm decides who sees a post",
               "post on Instagram with confidence", "learn how TikTok works for a brand"],
        flash=["30-second video hooks", "CapCut captions and cuts", "reading TikTok Analytics"],
    ),
    "linkedin": dict(
        dept="Communications", topic="LinkedIn", team="writers",
        titles=dict(j=["Communications Coordinator", "Junior Social Media Editor", "Associate Content Writer"],
                    m=["Social Media Specialist", "Content Marketing Specialist", "Employer Brand Specialist"]),
        skills=["linkedin", "personal branding", "copywriting", "buffer"],
        exp=[
            "I ghost-write LinkedIn posts for four of our executives and track which formats get the most comments.",
            "I run our company LinkedIn page and grew it by testing carousels, document posts and short native videos.",
            "I built a LinkedIn employee-advocacy program where staff share one post a week from a shared content calendar.",
            "I help colleagues fix their LinkedIn profiles: headline, About section, featured posts and a photo that looks like them.",
            "I plan LinkedIn Live sessions and our LinkedIn newsletter and handle all the scheduling in Buffer.",
        ],
        teach=[
            "I can help a leader rewrite their LinkedIn headline and About section in one sitting and draft a first post that sounds human.",
            "I like showing senior colleagues why LinkedIn carousels and thoughtful comments reach more people than polished press releases.",
            "I can teach you a twenty-minute weekly routine for posting and commenting on LinkedIn.",
            "I can explain what LinkedIn analytics mean, so you know which posts actually reached customers or candidates.",
        ],
        learn=["build a professional presence on LinkedIn", "write LinkedIn posts that people actually read"],
        flash=["LinkedIn profile makeovers", "drafting a first LinkedIn post"],
    ),
    "chatgpt": dict(
        dept="Operations", topic="AI tools", team="analysts",
        titles=dict(j=["Operations Coordinator", "Associate AI Enablement Specialist", "Junior Operations Analyst"],
                    m=["AI Enablement Specialist", "Operations Analyst", "Business Process Analyst"]),
        skills=["chatgpt", "prompt writing", "ai tools", "claude", "gemini"],
        exp=[
            "I use ChatGPT every day to draft process documents, summarize long email threads and turn meeting notes into action lists.",
            "I wrote our team's prompt library in Notion, with tested prompts for summaries, first drafts and spreadsheet formulas.",
            "I built custom GPTs for our team that answer policy questions from our own handbook.",
            "I compare ChatGPT, Claude and Gemini on real tasks from our team and document where each one gets things wrong.",
            "I run short internal workshops on prompt writing: giving context, examples, a role and a clear output format.",
        ],
        teach=[
            "I can sit with a leader and turn one of their weekly tasks, like summarizing a board pack, into a reliable ChatGPT prompt.",
            "I like teaching prompt writing with your own documents, including how to check answers and spot hallucinations.",
            "I can show you what is safe to paste into AI tools under our data policy and what is not.",
            "I enjoy helping senior colleagues go from trying ChatGPT once to using it for drafting, summarizing and brainstorming every day.",
        ],
        learn=["use ChatGPT and other AI tools in my daily work", "write better prompts for AI assistants",
               "understand what generative AI can and cannot do"],
        flash=["prompt writing for summaries", "building a custom GPT for your team", "checking AI answers for hallucinations"],
    ),
    "copilot": dict(
        dept="Engineering", topic="AI coding assistants", team="engineers",
        titles=dict(j=["Junior Software Engineer", "Associate Software Engineer"],
                    m=["Software Engineer", "Developer Experience Engineer", "Full-Stack Engineer"]),
        skills=["github copilot", "ai coding", "python", "vscode"],
        exp=[
            "I pair with GitHub Copilot in VS Code every day and keep notes on where its suggestions are wrong or insecure.",
            "I ran the Copilot and Copilot Chat pilot for our squad and measured pull-request review times before and after.",
            "I use AI assistants to write unit tests, explain legacy code and draft migration scripts, always followed by a human review.",
            "I maintain our internal guide to using Copilot within our code-review and licensing rules.",
        ],
        teach=[
            "I can show an engineering manager how Copilot Chat explains an unfamiliar codebase so they can review pull requests faster.",
            "I like demonstrating AI pair-programming live on a real ticket so leaders see both the benefits and the limits.",
            "I can help you set up Copilot in VS Code and write code comments that produce useful suggestions.",
        ],
        learn=["try AI coding assistants like GitHub Copilot", "understand how AI tools change software development"],
        flash=["Copilot setup and prompting in VS Code", "AI-generated unit tests"],
    ),
    "midjourney": dict(
        dept="Design", topic="AI image tools", team="designers",
        titles=dict(j=["Junior Visual Designer", "Associate Graphic Designer", "Design Coordinator"],
                    m=["Visual Designer", "Graphic Designer", "Creative Technologist"]),
        skills=["midjourney", "generative ai", "adobe firefly", "canva", "moodboards"],
        exp=[
            "I create campaign moodboards with Midjourney and Adobe Firefly before the photoshoot brief goes out.",
            "I keep a tested library of Midjourney prompts and style references that match our brand guidelines.",
            "I design social assets in Canva and Figma and use generative fill in Photoshop to extend backgrounds for every format.",
            "I mock up product concepts in Midjourney so stakeholders can react to images instead of long documents.",
        ],
        teach=[
            "I can show leaders how Midjourney prompts work, including aspect ratios, style references and why hands still go wrong.",
            "I like explaining the copyright and brand-safety questions around AI images in plain language, with real examples.",
            "I can help you make a moodboard for your next presentation in about half an hour with Midjourney and Canva.",
        ],
        learn=["create images with Midjourney and other AI image tools", "use Canva to make simple visuals"],
        flash=["Midjourney prompts and style references", "quick Canva visuals"],
    ),
    "discord": dict(
        dept="Marketing", topic="online communities", team="community managers",
        titles=dict(j=["Community Coordinator", "Associate Community Specialist", "Junior Community Moderator"],
                    m=["Community Specialist", "Community Engagement Specialist", "Developer Community Specialist"]),
        skills=["discord", "community management", "moderation", "events"],
        exp=[
            "I moderate our customer Discord server of around 12,000 members and set up the roles, bots and onboarding channels.",
            "I host weekly Discord stage events and AMAs with our product team.",
            "I built our Discord welcome flow with MEE6 and Carl-bot so new members pick their interests in the first minute.",
            "I track community engagement in Discord's server insights and report the top questions to product every sprint.",
        ],
        teach=[
            "I can give a leader a guided tour of a live Discord community so they see how customers actually talk to each other.",
            "I like helping managers decide whether a Discord server, a Slack community or a forum fits their audience.",
            "I can teach the basics of moderation, roles and channel design without the jargon.",
        ],
        learn=["understand how online communities on Discord work", "build an engaged online community around a product"],
        flash=["Discord server setup and roles"],
    ),
    "notion": dict(
        dept="Product", topic="Notion and team workspaces", team="coordinators",
        titles=dict(j=["Project Coordinator", "Associate Product Operations Specialist", "Junior Program Coordinator"],
                    m=["Product Operations Specialist", "Knowledge Management Specialist", "Project Analyst"]),
        skills=["notion", "knowledge management", "templates", "productivity"],
        exp=[
            "I designed our team's Notion workspace with linked databases for projects, meeting notes and decisions.",
            "I build Notion templates for onboarding, weekly planning and OKR check-ins that other teams now copy.",
            "I moved our wiki from scattered Google Docs into Notion and set up a simple tagging system so people can find things.",
            "I use Notion AI to summarize meeting notes and Notion automations to nudge owners about overdue tasks.",
        ],
        teach=[
            "I can set up a personal Notion dashboard with a leader in one session and show the three features worth learning first.",
            "I like teaching database views, relations and filters with real examples from your own work.",
            "I can help a manager turn scattered to-do lists and one-on-one notes into a simple Notion system they will keep using.",
        ],
        learn=["organize my work in Notion", "set up a better personal productivity system"],
        flash=["a Notion dashboard for one-on-ones", "Notion databases and relations"],
    ),
    "figma_basics": dict(
        dept="Design", topic="Figma and FigJam", team="designers",
        titles=dict(j=["Junior Product Designer", "Associate UX Designer", "Design Coordinator"],
                    m=["Product Designer", "UX Designer", "Interaction Designer"]),
        skills=["figma", "figjam", "prototyping", "ui design"],
        exp=[
            "I design mobile screens in Figma and run FigJam workshops with product managers and engineers.",
            "I maintain components and variants in our Figma design system and document them for developers.",
            "I build clickable Figma prototypes for user tests so we can try an idea before anyone writes code.",
            "I facilitate FigJam retrospectives and journey-mapping sessions for teams who have never used a whiteboard tool.",
        ],
        teach=[
            "I can teach non-designers to navigate a Figma file, leave useful comments and click through a prototype in one sitting.",
            "I like showing leaders how to run their own FigJam brainstorm with sticky notes, voting and timers.",
            "I can explain how designers and engineers hand off work in Figma so managers can follow design reviews.",
        ],
        learn=["find my way around Figma and FigJam", "understand how designers and engineers hand off work"],
        flash=["Figma basics for non-designers", "running a FigJam workshop"],
    ),
    "nocode": dict(
        dept="IT", topic="no-code automation", team="automation specialists",
        titles=dict(j=["IT Coordinator", "Associate Automation Specialist", "Junior Business Systems Analyst"],
                    m=["Automation Specialist", "Business Systems Analyst", "Low-Code Developer"]),
        skills=["no-code", "zapier", "airtable", "make", "power automate"],
        exp=[
            "I build no-code automations in Zapier and Make that connect our forms, CRM and Slack so nobody copies data by hand.",
            "I replaced a dozen tracking spreadsheets with one Airtable base that has an interface for each team.",
            "I build small internal apps in Power Apps and Power Automate for approvals and expense requests.",
            "I prototyped a customer portal in Bubble in two weeks to test demand before engineering got involved.",
        ],
        teach=[
            "I can show a leader how to automate one boring weekly task with Zapier during our first session.",
            "I like explaining what no-code tools can safely do, and when a request really needs engineering or IT security.",
            "I can help you map a manual process and spot which steps a no-code tool could take over.",
        ],
        learn=["automate repetitive tasks with no-code tools", "understand what Zapier or Power Automate can do for my team"],
        flash=["a first Zapier automation", "Airtable bases and interfaces", "Power Automate approval flows"],
    ),
    "genz_trends": dict(
        dept="Research", topic="consumer trends", team="insight analysts",
        titles=dict(j=["Research Coordinator", "Associate Insights Analyst", "Junior Trend Researcher"],
                    m=["Consumer Insights Analyst", "Trend Researcher", "Social Listening Analyst"]),
        skills=["gen z trends", "social listening", "consumer insights", "brandwatch", "reddit"],
        exp=[
            "I track Gen Z consumer trends across TikTok, Reddit and Discord and write a monthly trend brief for the marketing team.",
            "I run social listening dashboards in Brandwatch and flag conversations about our products before they spread.",
            "I ran a panel of student ambassadors and turned their feedback into our back-to-school campaign.",
            "I study how Gen Z shoppers use TikTok Shop, resale apps like Depop and BeReal, and what that means for our retail channels.",
        ],
        teach=[
            "I can walk a leader through the trends, memes and creators our customers follow, and what they mean for our brand.",
            "I like helping executives decode slang, formats and niche communities before they sign off a campaign.",
            "I can show you how to use TikTok search and Reddit as research tools for what customers really think.",
        ],
        learn=["understand Gen Z consumer trends", "keep up with what is happening on social platforms"],
        flash=["a Gen Z trend briefing", "social listening in Brandwatch"],
    ),
    "influencer": dict(
        dept="Brand", topic="creator marketing", team="brand marketers",
        titles=dict(j=["Influencer Marketing Coordinator", "Associate Brand Marketer", "Junior Partnerships Coordinator"],
                    m=["Influencer Marketing Specialist", "Creator Partnerships Specialist", "Brand Marketing Specialist"]),
        skills=["instagram", "influencer marketing", "creators", "ugc"],
        exp=[
            "I source and brief micro-creators on Instagram and TikTok and negotiate usage rights for their content.",
            "I run our user-generated content program and repost customer videos with permission through our UGC platform.",
            "I track creator campaigns with discount codes and UTM links so we know which partnerships drive sales.",
            "I manage our Instagram broadcast channel and Close Friends list for product drops.",
        ],
        teach=[
            "I can show senior marketers how creator deals work today, from briefs to usage rights to disclosure rules.",
            "I like teaching leaders how to judge a creator's real engagement instead of their follower count.",
            "I can help you plan an Instagram grid and Stories sequence for a product launch in one working session.",
        ],
        learn=["understand influencer and creator marketing", "use Instagram Stories and Reels for a launch"],
        flash=["checking a creator's real engagement", "Instagram Stories for a launch"],
    ),
    "youtube_podcast": dict(
        dept="Communications", topic="video and podcasts", team="producers",
        titles=dict(j=["Content Production Coordinator", "Junior Video Editor", "Associate Content Producer"],
                    m=["Content Producer", "Video Producer", "Podcast Producer"]),
        skills=["youtube shorts", "podcasts", "video editing", "descript"],
        exp=[
            "I produce our internal podcast and cut each episode into YouTube Shorts and LinkedIn clips with Descript and Opus Clip.",
            "I run the company YouTube channel, including thumbnails, titles and chapter markers.",
            "I put together a simple desk studio kit for executives, with a USB microphone, a ring light and a Riverside recording link.",
            "I edit town-hall recordings into five short vertical highlights that staff actually watch.",
        ],
        teach=[
            "I can coach a leader to record a clear two-minute video update from their desk with the gear they already have.",
            "I like showing senior people how YouTube Shorts and podcast clips reach colleagues who never open an all-staff email.",
            "I can teach you how Descript lets you edit a video by editing its transcript.",
        ],
        learn=["record video updates for my team", "start a podcast or video series"],
        flash=["recording a video update at your desk", "editing with Descript"],
    ),
}

SENIOR_AREAS = {
    "eng_leadership": dict(
        dept="Engineering", topic="engineering leadership", fn=["Engineering", "Platform Engineering", "Mobile Engineering"],
        skills=["engineering leadership", "team building", "hiring", "org design"],
        exp=[
            "I have built engineering teams from five people to over a hundred across three countries, including two reorganizations.",
            "I run a leadership group of twelve engineering managers and coach them on delegation, feedback and hiring.",
            "I led the migration of our monolith to services while keeping the weekly release train running.",
            "I set up our engineering career ladder and the promotion calibration process.",
        ],
        teach=[
            "I mentor new managers on their first hundred days: one-on-ones, feedback and deciding what to stop doing.",
            "I can help you prepare for a move from senior engineer to manager, or decide on the staff-engineer path instead.",
            "I like working through real situations with mentees, like an underperforming team member or a missed deadline.",
        ],
        learn=["become a better engineering manager", "make the move from individual contributor to manager",
               "run good one-on-ones and give useful feedback"],
    ),
    "strategy": dict(
        dept="Operations", topic="strategy", fn=["Strategy", "Operations", "Strategy & Planning"],
        skills=["strategy", "planning", "operating model", "okrs"],
        exp=[
            "I run our annual strategic planning cycle, from market analysis to the three-year plan the board approves.",
            "I led the operating-model redesign that merged four regional teams into one global operations group.",
            "I have worked in consulting, corporate development and business-unit leadership.",
            "I chair our quarterly business reviews and turn the results into a few clear priorities for the next quarter.",
        ],
        teach=[
            "I mentor people on structuring ambiguous problems, writing a one-page strategy memo and getting leaders to decide.",
            "I can help you connect your team's work to company strategy and explain it in a way executives remember.",
            "I enjoy teaching scenario planning with simple tools like a two-by-two matrix and a pre-mortem.",
        ],
        learn=["think more strategically about my team's work", "write a clear strategy memo"],
    ),
    "budgeting": dict(
        dept="Finance", topic="budgeting and finance", fn=["Finance", "FP&A", "Financial Planning"],
        skills=["budgeting", "fp&a", "forecasting", "p&l"],
        exp=[
            "I own the annual budget process for a business of around 2,000 people and present the forecast to the board each quarter.",
            "I led FP&A through the move from spreadsheet budgeting to rolling forecasts in Anaplan.",
            "I partner with business leaders on headcount plans, capital requests and cost reviews.",
            "I manage a P&L with several product lines and sign off investment cases every month.",
        ],
        teach=[
            "I mentor non-finance managers on reading a P&L, building a budget and defending it in a review.",
            "I can teach you how the budget cycle really works, so your requests land at the right time with the right numbers.",
            "I like helping people build a business case that finance will say yes to.",
        ],
        learn=["understand how budgets are planned across the company", "read a P&L and build a team budget",
               "write a business case that finance will approve"],
    ),
    "negotiation": dict(
        dept="Sales", topic="negotiation and sales leadership", fn=["Sales", "Enterprise Sales", "Global Accounts"],
        skills=["negotiation", "enterprise sales", "deal strategy", "forecasting"],
        exp=[
            "I have closed multi-year enterprise agreements with global retailers and led the negotiation on the largest of them.",
            "I run our deal desk, approving pricing exceptions and coaching account executives before big negotiations.",
            "I built our sales team in a new region from the first hire to a quota-carrying team of forty.",
            "I review forecasts with regional sales leaders every week and step into late-stage deals when they stall.",
        ],
        teach=[
            "I mentor people on negotiation preparation: knowing your walk-away point, trading concessions and handling silence.",
            "I can role-play a hard negotiation with you, whether it is a customer renewal, a supplier contract or your own job offer.",
            "I like helping new sales managers build a forecast they can defend and a pipeline review that is not a status meeting.",
        ],
        learn=["negotiate with more confidence", "prepare for a difficult negotiation"],
    ),
    "careers": dict(
        dept="HR", topic="careers and talent", fn=["People", "Talent", "Talent & Development"],
        skills=["career development", "talent management", "coaching", "succession planning"],
        exp=[
            "I lead our talent team, including succession planning, performance calibration and leadership programs.",
            "I designed our career framework and the growth conversations managers have with their teams.",
            "I have coached executives through restructures, acquisitions and leadership transitions.",
            "I run the people side of workforce planning with finance, from headcount to internal mobility.",
        ],
        teach=[
            "I mentor people who want to plan their next career move, build a development plan or prepare for promotion.",
            "I can help managers handle hard conversations about performance, pay and career expectations.",
            "I like helping people get clear on their strengths and tell their career story in interviews.",
        ],
        learn=["plan my career path", "prepare for a promotion conversation", "handle difficult performance conversations"],
    ),
    "product_strategy": dict(
        dept="Product", topic="product strategy", fn=["Product", "Product Management", "Platform Product"],
        skills=["product strategy", "roadmaps", "pricing", "product discovery"],
        exp=[
            "I lead product for our payments platform and own the roadmap across six squads.",
            "I have taken three products from first prototype to meaningful revenue, and shut down one that was not working.",
            "I run our quarterly roadmap reviews and set up the product discovery process our teams use.",
            "I led our pricing and packaging change, from customer research to the rollout plan for sales.",
        ],
        teach=[
            "I mentor product managers on saying no, writing crisp strategy documents and managing senior stakeholders.",
            "I can help you build a roadmap that shows outcomes rather than a list of features.",
            "I like coaching people through their first product launch or their first presentation to the executive team.",
        ],
        learn=["build a product roadmap", "understand product management and discovery"],
    ),
    "data_leader": dict(
        dept="Data", topic="data and AI strategy", fn=["Data & Analytics", "Data Science", "AI"],
        skills=["data strategy", "analytics", "data governance", "ai strategy"],
        exp=[
            "I lead analytics, data engineering and data science teams across three regions.",
            "I set up our data governance council and the metric definitions every dashboard now uses.",
            "I built our first machine-learning team and put demand forecasting into production.",
            "I present our AI roadmap to the executive team and decide which use cases get funded.",
        ],
        teach=[
            "I mentor analysts who want to move into leadership and learn to tell a story with data to executives.",
            "I can teach leaders practical data literacy: how to read a dashboard, question a metric and spot a misleading chart.",
            "I like helping people decide where AI adds real value and where a simple report is enough.",
        ],
        learn=["improve my data literacy", "read dashboards and question metrics",
               "understand where AI and machine learning can help our business"],
    ),
    "marketing_leader": dict(
        dept="Marketing", topic="marketing leadership", fn=["Marketing", "Growth", "Consumer Marketing"],
        skills=["marketing strategy", "campaigns", "agency management", "marketing budgets"],
        exp=[
            "I lead marketing for our consumer business, with a team of sixty and agency partners in five countries.",
            "I repositioned our brand after a merger and ran the launch campaign across TV, out-of-home and digital.",
            "I manage a marketing budget split across brand and performance and report return on spend to the CFO.",
            "I built our in-house creative studio, which now produces most of our campaign content.",
        ],
        teach=[
            "I mentor marketers on writing a campaign brief, defending a budget and working with agencies.",
            "I can help you move from a channel specialist role into broader marketing leadership.",
            "I like coaching people on presenting creative work to executives who are not marketers.",
        ],
        learn=["understand how marketing budgets are decided", "lead a marketing campaign end to end"],
    ),
    "brand_leader": dict(
        dept="Brand", topic="brand strategy", fn=["Brand", "Brand & Creative", "Creative"],
        skills=["brand strategy", "creative direction", "sponsorships", "brand tracking"],
        exp=[
            "I lead brand and creative, including our visual identity, tone of voice and the in-house content studio.",
            "I ran our brand refresh, from the agency pitch to rolling out new guidelines across forty markets.",
            "I own our brand tracking study and present brand strength results to the executive team twice a year.",
            "I approve sponsorships and partnerships and negotiate the larger ones myself.",
        ],
        teach=[
            "I mentor creatives and marketers on selling an idea to executives and defending it under pressure.",
            "I can help you write a brand strategy on one page: audience, promise and proof.",
            "I like coaching people on managing agencies and giving creative feedback that improves the work.",
        ],
        learn=["understand how brand strategy is built", "give useful feedback on creative work"],
    ),
    "legal_leader": dict(
        dept="Legal", topic="legal and risk", fn=["Legal", "Legal & Compliance", "Commercial Legal"],
        skills=["commercial law", "risk management", "compliance", "m&a"],
        exp=[
            "I lead the legal team covering commercial contracts, privacy, employment and disputes.",
            "I have advised on acquisitions and integrations, from due diligence to day-one contracts.",
            "I sit on our risk committee and help the board decide which risks we accept and which we insure.",
            "I set up our contract playbooks so sales can close standard deals without waiting for legal.",
        ],
        teach=[
            "I mentor lawyers moving in-house, and non-lawyers who want to understand contracts and risk.",
            "I can help you explain a legal risk to business leaders on one page instead of ten.",
            "I like coaching people on negotiating contracts while keeping the relationship intact.",
        ],
        learn=["understand commercial contracts and legal risk", "work better with the legal team on deals"],
    ),
    "supply_leader": dict(
        dept="Supply Chain", topic="supply chain leadership", fn=["Supply Chain", "Logistics", "Manufacturing"],
        skills=["supply chain", "logistics", "s&op", "supplier management"],
        exp=[
            "I run supply chain for our consumer products, including twelve factories and three distribution centers.",
            "I led our response to port delays by dual-sourcing key components and rebuilding our safety-stock rules.",
            "I chair the monthly S&OP meeting that balances sales forecasts against production capacity.",
            "I negotiated our largest logistics contract and moved us to a performance-based carrier model.",
        ],
        teach=[
            "I mentor people on running cross-functional meetings where sales, finance and operations all have to agree.",
            "I can help you build supplier relationships that hold up when things go wrong.",
            "I like teaching the basics of S&OP and inventory trade-offs to people from outside operations.",
        ],
        learn=["understand how the supply chain works end to end", "learn S&OP and inventory planning basics"],
    ),
    "cs_leader": dict(
        dept="Customer Success", topic="customer success leadership", fn=["Customer Success", "Customer Experience", "Global Support"],
        skills=["customer success", "retention", "account management", "escalations"],
        exp=[
            "I lead customer success for our enterprise accounts and own net revenue retention.",
            "I built our customer risk score and the playbooks for renewals, expansions and at-risk accounts.",
            "I run executive business reviews with some of our largest customers.",
            "I restructured our support and success teams into pods aligned to customer segments.",
        ],
        teach=[
            "I mentor people on handling escalations with senior customers and turning a bad quarter into a renewal.",
            "I can help you build a career path from support into account management or customer success leadership.",
            "I like coaching on running a customer business review that the customer's executives find useful.",
        ],
        learn=["handle customer escalations calmly", "understand what drives customer retention"],
    ),
    "it_leader": dict(
        dept="IT", topic="IT leadership", fn=["IT", "IT Operations", "Information Security"],
        skills=["it strategy", "cybersecurity", "vendor management", "cloud"],
        exp=[
            "I lead IT across our European and Asian offices, from laptops and identity to cloud contracts and the service desk.",
            "I ran our move from on-premise data centers to Azure and renegotiated the major software contracts.",
            "I report on cybersecurity risk to the audit committee every quarter.",
            "I set up our IT service catalog and cut ticket resolution times by moving routine requests to self-service.",
        ],
        teach=[
            "I mentor people on vendor negotiation, IT budgeting and explaining technical risk to non-technical executives.",
            "I can help engineers and analysts move into IT leadership and manage a portfolio of projects.",
            "I like coaching on how to run a major-incident bridge calmly and communicate during an outage.",
        ],
        learn=["understand cybersecurity risks for our business", "work better with IT on technology projects"],
    ),
    "comms_leader": dict(
        dept="Communications", topic="executive communication", fn=["Communications", "Corporate Affairs", "Internal Communications"],
        skills=["corporate communications", "crisis communications", "executive communications", "media relations"],
        exp=[
            "I lead corporate communications, including media relations, internal communications and executive speeches.",
            "I managed our communications during a product recall, from the first press statement to the customer letters.",
            "I write and rehearse the CEO's all-hands talks and earnings messages.",
            "I rebuilt our internal communications around a weekly newsletter and short videos from leaders.",
        ],
        teach=[
            "I mentor people on executive presence, writing for senior audiences and handling tough questions from journalists.",
            "I can help you prepare a high-stakes presentation, from the storyline to rehearsing the Q&A.",
            "I like teaching a simple crisis-communication checklist that works for teams of any size.",
        ],
        learn=["communicate with more executive presence", "prepare for a high-stakes presentation"],
    ),
    "design_leader": dict(
        dept="Design", topic="design leadership", fn=["Design", "Product Design", "User Experience"],
        skills=["design leadership", "design systems", "ux strategy", "design critique"],
        exp=[
            "I lead a design team of thirty covering product design, research and our design system.",
            "I introduced weekly design critiques and a design quality bar that product teams now ask for.",
            "I have hired designers and grown them into leads and managers in two different companies.",
            "I partner with product and engineering leaders on our experience strategy and accessibility commitments.",
        ],
        teach=[
            "I mentor designers on presenting work to executives, handling critique and building influence without authority.",
            "I can help you build a portfolio and case studies for a senior or lead design role.",
            "I like coaching new design managers on hiring, feedback and protecting time for craft.",
        ],
        learn=["give better feedback on design work", "understand how design decisions get made"],
    ),
    "research_leader": dict(
        dept="Research", topic="research leadership", fn=["Research", "R&D", "Insights"],
        skills=["research strategy", "r&d portfolio", "experimentation", "stage-gate"],
        exp=[
            "I lead our R&D portfolio and decide with the executive team which projects move from lab to product.",
            "I built our user research function and the insights repository teams check before starting new work.",
            "I run stage-gate reviews for around forty research projects a year.",
        ],
        teach=[
            "I mentor researchers on turning findings into decisions and presenting uncertain results honestly.",
            "I can help you build a research career that combines deep expertise with influence on business decisions.",
            "I like teaching how to stop a project kindly and move the team to something more promising.",
        ],
        learn=["turn research findings into business decisions", "plan and prioritize research projects"],
    ),
}

SPECIALIST_AREAS = {
    "sql": dict(
        dept="Data", topic="SQL", team="analysts",
        titles=dict(j=["Junior Data Analyst", "Associate Data Analyst"], m=["Data Analyst", "Analytics Engineer"],
                    s=["Senior Data Analyst", "Analytics Lead", "Senior Analytics Engineer"],
                    p=["Analytics Manager", "Principal Analytics Engineer"]),
        skills=["sql", "window functions", "dbt", "bigquery", "snowflake"],
        exp=[
            "I write SQL in BigQuery every day, mostly window functions and CTEs for retention and cohort reports.",
            "I maintain our dbt models and tests and review SQL pull requests from other analysts.",
            "I rewrote our slowest Snowflake queries and cut the nightly job from three hours to twenty minutes.",
            "I build the customer cohort tables that marketing and finance use for their monthly reports.",
        ],
        teach=[
            "I can explain ROW_NUMBER, LAG and running totals with your own data in a single focused session.",
            "I like untangling a slow query with you and showing how to read the query plan.",
            "I can help analysts structure SQL with CTEs so colleagues can actually review it.",
        ],
        learn=["write SQL window functions", "write SQL queries on my own", "use dbt for data models"],
        flash=["SQL window functions", "speeding up a slow query", "dbt tests"],
    ),
    "excel": dict(
        dept="Finance", topic="Excel and financial modeling", team="financial analysts",
        titles=dict(j=["Finance Associate", "Junior Financial Analyst"], m=["Financial Analyst", "FP&A Analyst"],
                    s=["Senior Financial Analyst", "FP&A Lead"], p=["Finance Manager", "FP&A Manager"]),
        skills=["excel", "pivot tables", "financial modeling", "power query"],
        exp=[
            "I build monthly management reports in Excel with pivot tables, XLOOKUP and Power Query.",
            "I maintain the three-statement financial model we use for forecasts and investment cases.",
            "I automated our month-end reconciliation with Power Query, which saves the team two days every month.",
            "I prepare variance analysis for department heads and explain the numbers behind each line.",
        ],
        teach=[
            "I can teach pivot tables, slicers and XLOOKUP with your own spreadsheet in one session.",
            "I like showing people how to structure a financial model so someone else can audit it.",
            "I can help non-finance colleagues read a variance report and ask the right questions.",
        ],
        learn=["build Excel pivot tables", "build a simple financial model in Excel", "get better at Excel"],
        flash=["Excel pivot tables", "XLOOKUP and Power Query", "a simple three-statement model"],
    ),
    "pandas": dict(
        dept="Data", topic="Python for data analysis", team="data scientists",
        titles=dict(j=["Associate Data Scientist", "Junior Data Scientist"], m=["Data Scientist", "Data Analyst"],
                    s=["Senior Data Scientist", "Data Science Lead"], p=["Data Science Manager", "Principal Data Scientist"]),
        skills=["python", "pandas", "jupyter", "statistics", "a/b testing"],
        exp=[
            "I clean and analyze data in Python with pandas and Jupyter, mostly sales and web event data.",
            "I built our churn prediction model in scikit-learn and the pandas pipeline that feeds it.",
            "I replaced several manual Excel reports with scheduled pandas scripts that email the results.",
            "I design and analyze A/B tests and report results with confidence intervals rather than just p-values.",
        ],
        teach=[
            "I can teach groupby, merge and pivot_table in pandas by rebuilding one of your Excel reports in Python.",
            "I like helping people get their first Jupyter notebook running and reading data from a CSV file or a database.",
            "I can review your A/B test setup and explain sample size and statistical significance in plain language.",
        ],
        learn=["analyze data with Python and pandas", "learn basic statistics for A/B tests", "learn Python for data analysis"],
        flash=["Python pandas", "A/B test statistics", "a first Jupyter notebook"],
    ),
    "git": dict(
        dept="Engineering", topic="git and code review", team="engineers",
        titles=dict(j=["Junior Software Engineer", "Associate Software Engineer"], m=["Software Engineer", "Backend Engineer"],
                    s=["Senior Software Engineer", "Tech Lead"], p=["Engineering Manager", "Principal Engineer"]),
        skills=["git", "code review", "github actions", "go", "python"],
        exp=[
            "I maintain our monorepo tooling and help someone recover from a tangled git history almost every week.",
            "I set up our GitHub Actions pipelines for tests, linting and preview deployments.",
            "I build backend services in Go and Python and review around twenty pull requests a week.",
            "I wrote our team's git conventions for branches, commit messages and squash versus rebase.",
        ],
        teach=[
            "I can walk you through git rebase, interactive rebase and resolving conflicts without fear in one session.",
            "I like teaching how to write small pull requests that reviewers can approve quickly.",
            "I can help you set up a GitHub Actions workflow that runs your tests on every push.",
        ],
        learn=["use git rebase confidently", "set up CI with GitHub Actions", "give better code reviews"],
        flash=["git rebase and merge conflicts", "GitHub Actions workflows", "small, reviewable pull requests"],
    ),
    "kubernetes": dict(
        dept="Engineering", topic="cloud infrastructure", team="SREs",
        titles=dict(j=["Junior DevOps Engineer", "Associate Cloud Engineer"], m=["Site Reliability Engineer", "Platform Engineer", "DevOps Engineer"],
                    s=["Senior Site Reliability Engineer", "Platform Lead"], p=["Platform Engineering Manager", "Principal SRE"]),
        skills=["kubernetes", "docker", "terraform", "observability", "incident response"],
        exp=[
            "I run our Kubernetes clusters on EKS and take my turn on the on-call rotation for production incidents.",
            "I write Terraform modules for our cloud networking and review every infrastructure change.",
            "I set up our Prometheus and Grafana dashboards and the alerting rules that page the team.",
            "I led our incident postmortem process and keep the blameless review template up to date.",
        ],
        teach=[
            "I can debug a CrashLoopBackOff with you live using kubectl describe, logs and events.",
            "I like teaching how to read a Grafana dashboard during an incident and form a first hypothesis.",
            "I can explain Docker images, layers and multi-stage builds using your own Dockerfile.",
        ],
        learn=["debug Kubernetes workloads", "learn Terraform and infrastructure as code",
               "understand how our cloud infrastructure works"],
        flash=["Kubernetes debugging", "Terraform modules", "writing a blameless postmortem", "Docker multi-stage builds"],
    ),
    "public_speaking": dict(
        dept="Communications", topic="public speaking", team="communications specialists",
        titles=dict(j=["Communications Coordinator", "Associate Speechwriter"], m=["Communications Specialist", "Internal Communications Specialist"],
                    s=["Senior Communications Specialist", "Executive Communications Lead"], p=["Communications Manager", "Principal Speechwriter"]),
        skills=["public speaking", "presentations", "storytelling", "speechwriting"],
        exp=[
            "I write speeches and slide decks for our leadership team and rehearse with them before every town hall.",
            "I coach the speakers for our annual conference, from the first outline to the technical rehearsal.",
            "I run our internal speaking club where people practice five-minute talks and get structured feedback.",
            "I produce our quarterly all-hands, including the run-of-show, speaker notes and live Q&A moderation.",
        ],
        teach=[
            "I can help you prepare a talk in one session: a clear opening, three points and an ending people remember.",
            "I like running a quick rehearsal and giving you feedback on pace, filler words and slides.",
            "I can teach simple techniques for handling nerves and hostile questions.",
        ],
        learn=["get better at public speaking", "present to large audiences with confidence", "tell a clear story with slides"],
        flash=["public speaking prep", "slide deck storytelling", "handling tough Q&A"],
    ),
    "recruiting": dict(
        dept="HR", topic="recruiting and job search", team="recruiters",
        titles=dict(j=["Recruiting Coordinator", "Associate Recruiter"], m=["Recruiter", "Talent Acquisition Specialist"],
                    s=["Senior Recruiter", "Talent Acquisition Lead"], p=["Talent Acquisition Manager", "Principal Recruiter"]),
        skills=["recruiting", "cv review", "interviewing", "salary negotiation"],
        exp=[
            "I recruit for engineering and product roles and read hundreds of CVs a month.",
            "I run interview training for hiring managers, including structured questions and scorecards.",
            "I manage offers and salary conversations with candidates, so I know how both sides of the negotiation look.",
            "I rewrote our job descriptions to focus on outcomes and cut the list of must-have requirements.",
        ],
        teach=[
            "I can review your CV and LinkedIn profile in thirty minutes and tell you what a recruiter sees in the first ten seconds.",
            "I like helping people prepare for interviews with the STAR method and practice questions for their target role.",
            "I can walk you through salary negotiation: researching the range, answering the expectations question and countering an offer.",
        ],
        learn=["write a stronger CV", "prepare for job interviews", "negotiate my salary"],
        flash=["CV review", "salary negotiation", "interview prep with the STAR method"],
    ),
    "bi_dashboards": dict(
        dept="Data", topic="dashboards and data visualization", team="BI developers",
        titles=dict(j=["Junior BI Analyst", "Associate Reporting Analyst"], m=["BI Analyst", "BI Developer"],
                    s=["Senior BI Developer", "BI Lead"], p=["BI Manager", "Principal BI Developer"]),
        skills=["tableau", "power bi", "dashboards", "data visualization", "dax"],
        exp=[
            "I build Tableau dashboards for sales and operations and maintain the published data sources behind them.",
            "I rebuilt our executive KPI dashboard in Power BI with DAX measures and row-level security.",
            "I run dashboard design reviews and keep our chart style guide with colors, labels and when to use which chart.",
            "I archived forty unused dashboards and consolidated the rest into a small set people actually open.",
        ],
        teach=[
            "I can help you turn a cluttered Tableau dashboard into one clear view with filters and tooltips in one session.",
            "I like teaching level-of-detail expressions in Tableau and DAX measures in Power BI with your own data.",
            "I can teach the basics of choosing the right chart and avoiding misleading axes.",
        ],
        learn=["build dashboards in Tableau or Power BI", "visualize data clearly"],
        flash=["Tableau dashboards", "Power BI DAX measures", "choosing the right chart"],
    ),
    "okrs": dict(
        dept="Operations", topic="planning and OKRs", team="program managers",
        titles=dict(j=["Program Coordinator", "Associate Business Operations Analyst"], m=["Business Operations Analyst", "Program Analyst"],
                    s=["Senior Program Manager", "Program Lead"], p=["Business Operations Manager", "Principal Program Manager"]),
        skills=["okrs", "planning", "program management", "jira"],
        exp=[
            "I run the quarterly OKR process for our product organization, from first drafts to end-of-quarter scoring.",
            "I coordinate cross-team programs with a shared RAID log and weekly status in Jira and Confluence.",
            "I facilitate planning workshops where teams agree on priorities and dependencies for the quarter.",
            "I built our portfolio dashboard in Jira so leaders can see progress without asking for status.",
        ],
        teach=[
            "I can help you write OKRs that measure outcomes instead of listing tasks, in one focused session.",
            "I like teaching how to run a status meeting that ends with decisions rather than updates.",
            "I can show you how to set up a Jira board and filters that match how your team really works.",
        ],
        learn=["write good OKRs", "manage cross-team projects", "run effective planning meetings"],
        flash=["writing OKRs", "Jira boards and filters", "running a planning workshop"],
    ),
    "figma_autolayout": dict(
        dept="Design", topic="UI design and accessibility", team="designers",
        titles=dict(j=["Junior UI Designer", "Associate Product Designer"], m=["UI Designer", "Product Designer"],
                    s=["Senior Product Designer", "Design Lead"], p=["Design Manager", "Principal Designer"]),
        skills=["figma", "auto-layout", "design systems", "accessibility", "wcag"],
        exp=[
            "I build components with auto-layout and variables in our Figma design system.",
            "I run accessibility audits against WCAG 2.2 and fix color contrast and focus states with engineers.",
            "I design responsive web screens and document spacing tokens for developers.",
            "I migrated our design tokens from static styles to Figma variables with light and dark modes.",
        ],
        teach=[
            "I can teach Figma auto-layout, constraints and component variants with one of your real screens.",
            "I like doing quick accessibility reviews of a design and explaining each fix.",
            "I can help you build a portfolio case study that shows your process, not just the final screens.",
        ],
        learn=["use Figma auto-layout and components", "design for accessibility"],
        flash=["Figma auto-layout", "a quick accessibility review", "design portfolio feedback"],
    ),
    "gdpr": dict(
        dept="Legal", topic="privacy and data protection", team="privacy specialists",
        titles=dict(j=["Legal Coordinator", "Junior Paralegal"], m=["Privacy Analyst", "Legal Counsel"],
                    s=["Senior Privacy Counsel", "Privacy Lead"], p=["Legal Manager", "Principal Privacy Counsel"]),
        skills=["gdpr", "privacy", "data protection", "dpia"],
        exp=[
            "I handle data protection questions for our European business, including DPIAs and records of processing.",
            "I negotiate data processing agreements with vendors and review standard contractual clauses.",
            "I answer subject access requests and trained our support team to recognize them.",
            "I review marketing campaigns for consent, cookie banners and email opt-in rules.",
        ],
        teach=[
            "I can explain GDPR basics in one session: lawful bases, data minimization and what to do after a data breach.",
            "I like helping product teams write a privacy impact assessment without legal jargon.",
            "I can show you how to check whether a new tool is allowed to process customer data.",
        ],
        learn=["understand GDPR basics", "handle customer data safely"],
        flash=["GDPR basics", "reviewing a data processing agreement", "a privacy impact assessment"],
    ),
    "contracts": dict(
        dept="Legal", topic="commercial contracts", team="lawyers",
        titles=dict(j=["Legal Assistant", "Junior Contracts Coordinator"], m=["Contracts Specialist", "Commercial Counsel"],
                    s=["Senior Commercial Counsel", "Contracts Lead"], p=["Contracts Manager", "Principal Counsel"]),
        skills=["contracts", "redlining", "negotiation", "compliance"],
        exp=[
            "I review and redline customer contracts, NDAs and reseller agreements for the sales team.",
            "I maintain our contract playbook with fallback positions for liability, payment terms and termination.",
            "I run our contract lifecycle management tool and the approval workflow behind it.",
            "I advise on anti-bribery and export-control questions for deals in new markets.",
        ],
        teach=[
            "I can teach you to read an NDA in five minutes and spot the clauses that actually matter.",
            "I like helping sales and procurement colleagues prepare for contract negotiations.",
            "I can show you how to read the liability and indemnity clauses in a contract and when to call legal.",
        ],
        learn=["read and review a contract", "negotiate contract terms"],
        flash=["reading an NDA", "contract redlining", "liability and indemnity clauses"],
    ),
    "growth_marketing": dict(
        dept="Marketing", topic="digital marketing", team="marketers",
        titles=dict(j=["Digital Marketing Coordinator", "Associate Performance Marketer"], m=["SEO Specialist", "Performance Marketing Specialist"],
                    s=["Senior Performance Marketer", "Growth Lead"], p=["Growth Marketing Manager", "Principal Growth Marketer"]),
        skills=["google analytics", "seo", "paid social", "a/b testing", "tag manager"],
        exp=[
            "I run our paid social campaigns on Meta and TikTok Ads and report cost per acquisition every week.",
            "I set up Google Analytics 4, Google Tag Manager and conversion tracking for our website.",
            "I run technical SEO audits with Screaming Frog and Search Console and prioritize fixes with engineering.",
            "I test landing pages with A/B experiments and write the results up for the wider team.",
        ],
        teach=[
            "I can show you how to find the reports you need in GA4 and build an exploration in one session.",
            "I like walking people through an SEO audit of their own page: titles, internal links and Core Web Vitals.",
            "I can explain how paid social bidding and attribution work without the acronym soup.",
        ],
        learn=["understand Google Analytics and website data", "learn SEO basics", "understand digital advertising"],
        flash=["Google Analytics 4 reports", "an SEO audit", "paid social campaign setup"],
    ),
    "sales": dict(
        dept="Sales", topic="selling", team="account executives",
        titles=dict(j=["Sales Coordinator", "Associate Account Executive"], m=["Account Executive", "Sales Operations Analyst"],
                    s=["Senior Account Executive", "Sales Team Lead"], p=["Sales Manager", "Principal Account Executive"]),
        skills=["salesforce", "prospecting", "cold email", "discovery calls"],
        exp=[
            "I manage a territory of mid-market accounts and run discovery calls and demos every day.",
            "I build Salesforce reports and dashboards for our regional sales team and clean up pipeline data.",
            "I write cold email sequences in Outreach and test subject lines and calls to action.",
            "I led the team in new customer wins last year by focusing on a short list of well-researched accounts.",
        ],
        teach=[
            "I can review your cold email or LinkedIn outreach message and rewrite it with you in one session.",
            "I like teaching how to run a discovery call: good questions, real listening and agreed next steps.",
            "I can show you how to build a Salesforce report and dashboard that tracks your own pipeline.",
        ],
        learn=["understand how sales teams work", "run a good discovery call", "build Salesforce reports"],
        flash=["cold email review", "Salesforce reports", "discovery call practice"],
    ),
    "user_research": dict(
        dept="Research", topic="user research", team="researchers",
        titles=dict(j=["Research Coordinator", "Associate UX Researcher"], m=["UX Researcher", "Market Research Analyst"],
                    s=["Senior UX Researcher", "Research Lead"], p=["Research Manager", "Principal Researcher"]),
        skills=["user interviews", "survey design", "usability testing", "dovetail", "qualtrics"],
        exp=[
            "I plan and run user interviews and usability tests and synthesize the findings in Dovetail.",
            "I design surveys in Qualtrics and check question wording and sampling before anything goes out.",
            "I run a monthly customer panel and share highlight reels with product teams.",
            "I mapped the end-to-end onboarding journey together with customers and support agents.",
        ],
        teach=[
            "I can review your interview guide and teach you to ask open questions that do not lead the participant.",
            "I like helping people design a short survey that gives usable answers, with the right scales and sample.",
            "I can show you how to synthesize interview notes into clear themes with an affinity map.",
        ],
        learn=["run customer interviews", "design a good survey"],
        flash=["survey design", "user interview guides", "affinity mapping"],
    ),
    "supply_planning": dict(
        dept="Supply Chain", topic="planning and procurement", team="planners",
        titles=dict(j=["Supply Chain Coordinator", "Associate Buyer"], m=["Demand Planner", "Procurement Specialist"],
                    s=["Senior Demand Planner", "Procurement Lead"], p=["Supply Planning Manager", "Principal Category Manager"]),
        skills=["demand forecasting", "procurement", "sap", "inventory"],
        exp=[
            "I build the monthly demand forecast in SAP IBP and reconcile it with the sales and marketing plans.",
            "I negotiate with packaging and raw-material suppliers and run quarterly supplier scorecards.",
            "I manage safety stock and reorder points for around 3,000 SKUs.",
            "I led an RFQ for freight forwarders across three regions.",
        ],
        teach=[
            "I can teach forecast accuracy metrics like MAPE and bias, and what to do when the forecast is wrong.",
            "I like helping people prepare a supplier negotiation with a clear target, a walk-away point and trade-offs.",
            "I can explain safety stock and lead times using your own product data.",
        ],
        learn=["understand demand forecasting", "prepare for supplier negotiations"],
        flash=["supplier negotiation prep", "demand forecasting basics", "safety stock calculations"],
    ),
    "lean_ops": dict(
        dept="Operations", topic="process improvement", team="operations analysts",
        titles=dict(j=["Operations Coordinator", "Associate Operations Analyst"], m=["Operations Analyst", "Process Improvement Specialist"],
                    s=["Senior Operations Analyst", "Continuous Improvement Lead"], p=["Operations Manager", "Principal Process Engineer"]),
        skills=["lean", "process mapping", "six sigma", "kaizen"],
        exp=[
            "I lead process improvement projects using Lean and Six Sigma Green Belt methods.",
            "I map processes in Miro with swimlanes and find the handoffs where work sits and waits.",
            "I ran a kaizen week in our fulfillment center that cut order picking time by a fifth.",
            "I built our library of standard operating procedures and the training that goes with it.",
        ],
        teach=[
            "I can map one of your team's processes with you in an hour and find the biggest source of waiting.",
            "I like teaching the five whys and fishbone diagrams on real problems, not textbook ones.",
            "I can help you write a standard operating procedure that people will actually follow.",
        ],
        learn=["improve our team's processes", "learn Lean and process mapping"],
        flash=["process mapping", "root cause analysis with the five whys"],
    ),
    "it_systems": dict(
        dept="IT", topic="workplace IT", team="systems administrators",
        titles=dict(j=["IT Support Coordinator", "Junior Systems Administrator"], m=["Systems Administrator", "IT Analyst"],
                    s=["Senior Systems Engineer", "IT Lead"], p=["IT Manager", "Principal Systems Engineer"]),
        skills=["okta", "servicenow", "microsoft 365", "intune", "jamf"],
        exp=[
            "I manage identity and single sign-on in Okta for around 4,000 employees.",
            "I configure ServiceNow workflows for the service desk and write knowledge base articles.",
            "I run our laptop fleet with Intune and Jamf and roll out security updates.",
            "I administer Microsoft 365, including Teams policies, SharePoint permissions and mailbox migrations.",
        ],
        teach=[
            "I can explain how single sign-on, MFA and passkeys work and set them up with you.",
            "I like teaching people how to write a knowledge base article that answers the question in the first line.",
            "I can help you tidy up SharePoint and Teams permissions so the right people see the right files.",
        ],
        learn=["understand single sign-on and account security", "organize files in SharePoint and Teams"],
        flash=["Okta SSO setup", "SharePoint permissions", "ServiceNow workflows"],
    ),
    "security": dict(
        dept="IT", topic="cybersecurity", team="security analysts",
        titles=dict(j=["Junior Security Analyst", "Associate SOC Analyst"], m=["Security Analyst", "Security Engineer"],
                    s=["Senior Security Engineer", "Security Lead"], p=["Security Manager", "Principal Security Engineer"]),
        skills=["cybersecurity", "phishing", "incident response", "threat modeling"],
        exp=[
            "I triage alerts in our SIEM and run incident response for phishing and account compromise.",
            "I run our phishing simulation program and the short training that follows each campaign.",
            "I do threat modeling with product teams before major features ship.",
            "I manage our vulnerability scanning and chase critical fixes with engineering owners.",
        ],
        teach=[
            "I can show you how to spot a phishing email and what to do in the first five minutes after clicking one.",
            "I like teaching threat modeling with STRIDE on a real feature your team is building.",
            "I can explain cybersecurity risks to non-technical leaders with real examples from incidents.",
        ],
        learn=["understand cybersecurity risks", "learn threat modeling"],
        flash=["threat modeling with STRIDE", "phishing awareness"],
    ),
    "cs_onboarding": dict(
        dept="Customer Success", topic="customer onboarding", team="customer success managers",
        titles=dict(j=["Customer Success Associate", "Support Coordinator"], m=["Customer Success Specialist", "Support Specialist"],
                    s=["Senior Customer Success Manager", "Customer Success Lead"], p=["Customer Success Team Manager", "Principal Customer Success Manager"]),
        skills=["customer onboarding", "gainsight", "churn analysis", "zendesk"],
        exp=[
            "I onboard new enterprise customers and run the kickoff, the training plan and the 90-day success review.",
            "I manage a book of around forty accounts in Gainsight and flag churn risks early.",
            "I built our onboarding playbook with checklists, email templates and training videos.",
            "I analyze support tickets in Zendesk to find the product issues that generate the most contacts.",
        ],
        teach=[
            "I can help you build an onboarding checklist and a kickoff agenda for a new customer.",
            "I like teaching how to handle an angry customer call and turn it into a plan.",
            "I can show you how to analyze churn reasons with simple ticket tagging and a pivot table.",
        ],
        learn=["handle difficult customer conversations", "build a customer onboarding process"],
        flash=["customer onboarding playbooks", "de-escalating a difficult call"],
    ),
    "brand_design": dict(
        dept="Brand", topic="brand design", team="designers",
        titles=dict(j=["Junior Brand Designer", "Brand Coordinator"], m=["Brand Designer", "Brand Specialist"],
                    s=["Senior Brand Designer", "Brand Lead"], p=["Brand Manager", "Principal Brand Designer"]),
        skills=["brand guidelines", "illustrator", "typography", "packaging"],
        exp=[
            "I maintain our brand guidelines and the asset library in Frontify.",
            "I design packaging and retail displays in Illustrator and InDesign and prepare print-ready files.",
            "I check agency campaign work against our brand rules before it goes live.",
            "I rebuilt our slide template so teams stop stretching logos and inventing colors.",
        ],
        teach=[
            "I can teach the basics of typography, spacing and color so your slides look on-brand.",
            "I like walking people through our brand guidelines with practical do's and don'ts.",
            "I can help you brief a designer or agency clearly so the first draft is close.",
        ],
        learn=["make slides that look professional", "brief designers and agencies well"],
        flash=["on-brand slide design", "briefing a designer"],
    ),
    "pr": dict(
        dept="Communications", topic="media relations", team="PR specialists",
        titles=dict(j=["PR Coordinator", "Associate Media Relations Specialist"], m=["PR Specialist", "Media Relations Specialist"],
                    s=["Senior PR Specialist", "PR Lead"], p=["PR Manager", "Principal Media Strategist"]),
        skills=["press releases", "media relations", "pitching", "meltwater"],
        exp=[
            "I write press releases and pitch stories to trade and business journalists.",
            "I prepare media briefing packs and sit in on interviews with our spokespeople.",
            "I track coverage in Meltwater and report share of voice against competitors.",
            "I maintain our crisis holding statements and the escalation list for out-of-hours issues.",
        ],
        teach=[
            "I can help you turn an announcement into a press release with a headline a journalist would open.",
            "I like running mock media interviews and teaching how to bridge back to your key messages.",
            "I can explain how to pitch a story to a journalist and what they actually need from you.",
        ],
        learn=["work with journalists and the media", "write a press release"],
        flash=["press release writing", "media interview practice"],
    ),
    "people_ops": dict(
        dept="HR", topic="people operations", team="HR partners",
        titles=dict(j=["HR Coordinator", "People Operations Associate"], m=["HR Generalist", "Compensation Analyst"],
                    s=["Senior HR Business Partner", "People Partner Lead"], p=["HR Manager", "Principal People Partner"]),
        skills=["compensation", "employee relations", "workday", "onboarding"],
        exp=[
            "I partner with engineering managers on performance reviews, promotions and difficult employee-relations cases.",
            "I run compensation benchmarking and build salary bands from market data.",
            "I administer Workday for our region, including job changes, reporting and the annual review cycle.",
            "I designed our onboarding week for new hires and the 30-60-90 plans managers use.",
        ],
        teach=[
            "I can explain how salary bands and pay reviews work so you can prepare for your own conversation.",
            "I like helping new managers prepare for a tough performance conversation with a clear script.",
            "I can help you build a 30-60-90 day plan for a new hire or for your own new role.",
        ],
        learn=["understand how compensation and salary bands work", "onboard new team members well"],
        flash=["how salary bands work", "preparing a performance conversation", "30-60-90 day plans"],
    ),
    "ml": dict(
        dept="Data", topic="machine learning", team="ML engineers",
        titles=dict(j=["Junior Machine Learning Engineer", "Associate ML Engineer"], m=["Machine Learning Engineer", "Applied Scientist"],
                    s=["Senior Machine Learning Engineer", "ML Lead"], p=["ML Engineering Manager", "Principal ML Engineer"]),
        skills=["machine learning", "llms", "rag", "mlops", "mlflow"],
        exp=[
            "I build retrieval-augmented generation services on our internal documents with embeddings and a vector database.",
            "I deploy and monitor machine-learning models with MLflow and track drift in production.",
            "I evaluate large language models on our own test sets before any of them reach customers.",
            "I fine-tuned a small language model for support-ticket routing and halved the number of misrouted tickets.",
        ],
        teach=[
            "I can explain how large language models and RAG work, without the math, in one session.",
            "I like helping engineers build an evaluation set before they choose a model.",
            "I can review an ML project plan and point out data leakage and evaluation gaps.",
        ],
        learn=["understand how large language models work", "learn machine learning basics"],
        flash=["LLM evaluation", "RAG basics", "spotting data leakage"],
    ),
    "frontend": dict(
        dept="Engineering", topic="web frontend", team="frontend engineers",
        titles=dict(j=["Junior Frontend Engineer", "Associate Web Developer"], m=["Frontend Engineer", "Web Developer"],
                    s=["Senior Frontend Engineer", "Frontend Lead"], p=["Frontend Engineering Manager", "Principal Frontend Engineer"]),
        skills=["react", "typescript", "web performance", "playwright"],
        exp=[
            "I build our customer web app in React and TypeScript and own the shared component library.",
            "I improved our Core Web Vitals by splitting bundles and lazy-loading images.",
            "I write end-to-end tests in Playwright and keep the flaky ones under control.",
            "I fix keyboard navigation and screen-reader issues found in our accessibility audits.",
        ],
        teach=[
            "I can walk you through React hooks and state management with a small example from your own app.",
            "I like teaching TypeScript types step by step to people coming from JavaScript.",
            "I can help you debug a slow page with a Chrome DevTools performance profile.",
        ],
        learn=["learn React and TypeScript", "build a small web app"],
        flash=["React hooks", "TypeScript types", "Chrome DevTools performance profiling"],
    ),
    "product_mgmt": dict(
        dept="Product", topic="product management", team="product managers",
        titles=dict(j=["Associate Product Manager", "Junior Product Owner"], m=["Product Analyst", "Product Owner"],
                    s=["Senior Product Manager", "Product Lead"], p=["Group Product Manager", "Principal Product Manager"]),
        skills=["product discovery", "prds", "prioritization", "experimentation"],
        exp=[
            "I own the onboarding flow for our mobile app and run weekly discovery interviews with new users.",
            "I write PRDs and one-page briefs and prioritize the backlog with RICE scoring.",
            "I ran the pricing-page experiment that lifted trial conversions and wrote up what we learned.",
            "I work with engineering and design in two-week sprints and run our sprint reviews.",
        ],
        teach=[
            "I can review your product brief and help you sharpen the problem statement and success metrics.",
            "I like teaching prioritization frameworks like RICE, and when to ignore them.",
            "I can help you prepare for product manager interviews, including product-sense and metrics questions.",
        ],
        learn=["learn product management basics", "prioritize a backlog", "move into product management"],
        flash=["writing a product brief", "RICE prioritization", "PM interview prep"],
    ),
    "accounting": dict(
        dept="Finance", topic="accounting", team="accountants",
        titles=dict(j=["Accounting Associate", "Junior Accountant"], m=["Staff Accountant", "Accountant"],
                    s=["Senior Accountant", "Accounting Lead"], p=["Accounting Manager", "Financial Controller"]),
        skills=["accounting", "month-end close", "ifrs", "netsuite"],
        exp=[
            "I run the month-end close for three entities in NetSuite and prepare the balance sheet reconciliations.",
            "I handle revenue recognition questions under IFRS 15 for our subscription contracts.",
            "I coordinate the annual external audit and prepare the supporting schedules.",
            "I set up our expense policy in Expensify and review travel claims every month.",
        ],
        teach=[
            "I can explain debits, credits and accruals to non-accountants with examples from your own department.",
            "I like helping people understand how their spending shows up in the monthly management accounts.",
            "I can walk you through revenue recognition for subscriptions in one session.",
        ],
        learn=["understand basic accounting", "understand how my department's costs are reported"],
        flash=["month-end close", "accruals and revenue recognition"],
    ),
    "data_engineering": dict(
        dept="Data", topic="data pipelines", team="data engineers",
        titles=dict(j=["Junior Data Engineer", "Associate Data Engineer"], m=["Data Engineer", "ETL Developer"],
                    s=["Senior Data Engineer", "Data Platform Lead"], p=["Data Engineering Manager", "Principal Data Engineer"]),
        skills=["airflow", "spark", "data pipelines", "snowflake", "kafka"],
        exp=[
            "I build data pipelines in Airflow and Spark that load event data into Snowflake every hour.",
            "I set up data quality checks with Great Expectations and alerts when tables go stale.",
            "I moved our batch jobs to streaming with Kafka for near-real-time dashboards.",
            "I design warehouse schemas and document them in our data catalog.",
        ],
        teach=[
            "I can walk you through designing an Airflow DAG with retries and backfills.",
            "I like explaining, step by step, how data gets from an app to a dashboard for people who are not engineers.",
            "I can help you write data quality tests for your most important tables.",
        ],
        learn=["understand data pipelines", "learn Airflow"],
        flash=["Airflow DAG design", "data quality tests"],
    ),
}

ALL_AREAS = {}
for _group, _areas in (("reverse", REVERSE_AREAS), ("senior", SENIOR_AREAS), ("specialist", SPECIALIST_AREAS)):
    for _key, _a in _areas.items():
        _a["key"] = _key
        _a["group"] = _group
        ALL_AREAS[_key] = _a

# Generic sentences (all concrete about how the mentoring happens).
MANAGER_TEACH = [
    "I manage a team of {n} {team} and mentor people through their first year as a manager.",
    "As a manager I spend much of my week on hiring, feedback and career conversations, and I am glad to share what has worked.",
    "I can help you prepare a promotion case or plan a move into people management.",
    "I like mentoring on delegation, running one-on-ones and giving feedback that lands.",
]
IC_TEACH = [
    "I mentor people who want to grow on the specialist track without becoming a people manager.",
    "I can help you write a promotion case for a senior or principal role and pick projects that show impact.",
    "I like helping people plan a technical career path and decide which skills to deepen next.",
]
REVERSE_SENT = [
    "In reverse mentoring I keep it hands-on: every session we post, prompt or build something real on your own {device}.",
    "I have reverse-mentored {n} {senior_role}s so far, and each session ends with one thing they can try alone that week.",
    "I run reverse-mentoring sessions where a senior leader brings a real task and we do it together with the new tool.",
    "For reverse mentoring I prepare a one-page checklist after each session so {senior_role}s can repeat the steps later.",
    "My reverse-mentoring sessions last {span} and start from whatever the leader wants to try that week.",
    "Last quarter I reverse-mentored a {senior_role} who now {achievement}.",
]
REVERSE_SLOTS = dict(
    device=["phone", "laptop", "phone or laptop"],
    senior_role=["director", "vice president", "department head", "senior manager"],
    span=["thirty minutes", "forty-five minutes", "an hour"],
    achievement=["posts a short video update for their team every Friday",
                 "drafts first versions of reports with ChatGPT and edits them",
                 "runs their own FigJam sessions", "answers customer comments on LinkedIn personally",
                 "keeps all their one-on-one notes in Notion", "automated a weekly report with Zapier"],
)
FLASH_SENT = [
    "Book me for a {dur} flash session on {topic}.",
    "My flash slots work best for {topic}; bring a real example.",
    "For one-off questions I run {dur} flash sessions on {topic}.",
    "If you are stuck on {topic}, a single flash session is usually enough.",
    "I keep a few flash slots every month for {topic}, usually on {day}s.",
    "Send me your question about {topic} before a flash session and we will solve it in {span}.",
    "Quick flash sessions on {topic} are my favorite way to help: one problem, {span}, done.",
]
FLASH_SLOTS = dict(dur=["30-minute", "45-minute", "one-hour", "20-minute"],
                   span=["twenty minutes", "half an hour", "forty-five minutes", "an hour"],
                   day=["Tuesday", "Wednesday", "Thursday", "Friday"])
E_SENT = [
    "I mentor remotely over {chat} threads, short Loom videos and a {cadence} video call, which works across time zones.",
    "I prefer e-mentoring: you send questions or drafts when it suits you and I reply with written comments and screen recordings.",
    "I work from {city} and mentor online with shared Google Docs and a {cadence} call on {video}.",
    "I run my mentoring asynchronously in {chat} so people in other time zones can join.",
    "I mentor online in {langs}, mostly through written feedback on your drafts and a short {video} call each month.",
    "Because I am based in {city}, I mentor online and keep a shared {notes} page with notes, links and next steps.",
    "My e-mentoring is mostly asynchronous: a {chat} channel for questions and a {cadence} {video} call to review progress.",
]
E_SLOTS = dict(chat=["Slack", "Microsoft Teams", "WhatsApp", "Google Chat"],
               cadence=["monthly", "fortnightly", "weekly"],
               video=["Zoom", "Google Meet", "Teams"],
               notes=["Notion", "Google Docs", "OneNote", "Confluence"])
TRAD_SENT = [
    "I meet mentees {freq} for {dur} and we work from a {plan}.",
    "I prefer a long-term mentoring relationship of about {months} months, with {freq} one-on-ones and a clear goal for each quarter.",
    "I usually mentor for {months} months, with a kickoff to agree goals and a review at the end.",
    "With long-term mentees I agree {k} concrete goals in the first session and review them every {period}.",
    "I keep a shared {notes} page with each mentee so every session starts where the last one ended.",
    "I take on a small number of mentees at a time and meet them {freq}, in person when we are in the same office.",
]
TRAD_SLOTS = dict(freq=["monthly", "every three weeks", "every two weeks"],
                  dur=["an hour", "forty-five minutes", "ninety minutes"],
                  plan=["written development plan", "shared goals document", "one-page plan we revisit each quarter"],
                  months=["six", "nine", "twelve"], k=["two", "three"], period=["month", "six weeks", "quarter"],
                  notes=["Google Docs", "OneNote", "Notion", "Confluence"])
TWOWAY_SENT = [
    "I like two-way mentoring: I share what I know about {topic} and would like help with {goal_topic} in return.",
    "I am happy to trade my {topic} experience for someone's help with {goal_topic}.",
    "Two-way pairings suit me best, because I learn as much as I teach; right now I am keen to learn about {goal_topic}.",
    "If you know {goal_topic} well, I would gladly swap: your expertise for my {topic} know-how.",
    "In a two-way pairing I can cover {topic}, and I am looking for a partner who can help me with {goal_topic}.",
]
# Optional lead-ins that vary how area sentences start (grammar-safe by sentence type).
PRESENT_LEADS = ["Day to day, ", "In my current role, ", "At our {city} office, ", "These days, ", "Most weeks, ",
                 "For our {region} business, ", "On a typical day, "]
PAST_LEADS = ["Recently, ", "Last year, ", "In my previous role, ", "Earlier this year, "]
CAN_LEADS = ["If you are new to {topic}, ", "In a first session, ", "To get you started, ", "As a mentor, "]
CAN_LEADS_TIMED = ["If you are new to {topic}, ", "As a mentor, "]
LIKE_LEADS = ["As a mentor, ", "In mentoring, ", "Above all, "]
PAST_VERBS = {"ran", "built", "led", "wrote", "moved", "replaced", "rebuilt", "produced", "prototyped", "migrated",
              "improved", "introduced", "managed", "negotiated", "repositioned", "restructured", "designed",
              "retired", "automated", "fine-tuned", "mapped", "created", "put", "took", "set"}
GOAL_TEMPLATES = [
    "I want to {x}.",
    "I'd like to {x}.",
    "This year my goal is to {x}.",
    "I'm hoping to {x} with help from someone who does it every day.",
    "I would love to {x}.",
    "Next, I want to {x}.",
    "I want to {x}, and ideally {y}.",
    "I'd like to {x} and also {y}.",
]
NUMBERS = ["four", "five", "six", "seven", "eight", "nine", "ten", "twelve"]

FORBIDDEN_KEYS = {"age", "gender", "pronouns", "ethnicity", "religion", "health", "birth_year", "birthyear",
                  "date_of_birth", "dob", "sex", "race"}


def region_of(tz: str) -> str:
    if tz.startswith("America/"):
        return "Americas"
    if tz.startswith(("Europe/", "Africa/")) or tz in ("Asia/Dubai", "Asia/Jerusalem"):
        return "EMEA"
    return "APAC"


class Builder:
    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.people: list[dict] = []
        self.used_names: set[str] = set()
        self.used_bios: set[str] = set()
        self.used_chiefs: set[str] = set()
        self.loc_weights = [LOCATION_WEIGHT.get(loc[0], 1) for loc in LOCATIONS]
        self.all_cultures = sorted(NAMES)

    # ---------------------------------------------------------------- helpers
    def pick_location(self, index: int | None = None):
        if index is not None:
            return LOCATIONS[index % len(LOCATIONS)]
        return self.rng.choices(LOCATIONS, weights=self.loc_weights, k=1)[0]

    def make_name(self, loc) -> tuple[str, str]:
        rng = self.rng
        for _ in range(500):
            culture = rng.choice(loc[4]) if rng.random() < 0.8 else rng.choice(self.all_cultures)
            lang, firsts, lasts = NAMES[culture]
            name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, culture
        raise RuntimeError("ran out of names")

    def languages(self, loc, culture: str) -> list[str]:
        rng = self.rng
        langs = list(loc[2])
        for extra in loc[3]:
            if rng.random() < 0.3:
                langs.append(extra)
        if "en" not in langs:
            # English for almost everyone; a few people work in their local language only.
            if rng.random() < 0.93:
                langs.append("en")
        culture_lang = NAMES[culture][0]
        if culture not in loc[4] and culture_lang not in langs and rng.random() < 0.6:
            langs.append(culture_lang)
        if "en" in langs and loc[2][0] == "en":
            langs.remove("en")
            langs.insert(0, "en")
        out: list[str] = []
        for lang in langs:
            if lang not in out:
                out.append(lang)
        return out

    def title(self, area: dict, seniority: int) -> tuple[str, int]:
        rng = self.rng
        if area["group"] == "senior":
            if seniority >= 10:
                options = [t for t in CHIEFS[area["dept"]] if t not in self.used_chiefs]
                if options:
                    t = options[0]
                    self.used_chiefs.add(t)
                    return t, 10
                seniority = 9
            fn = rng.choice(area["fn"])
            if seniority == 9:
                return rng.choice([f"VP of {fn}", f"VP, {fn}"]), 9
            return rng.choice([f"Director of {fn}", f"Head of {fn}"]), 8
        titles = area["titles"]
        if seniority <= 2:
            return rng.choice(titles["j"]), seniority
        if seniority <= 4:
            return rng.choice(titles["m"]), seniority
        if seniority <= 6:
            return rng.choice(titles["s"]), seniority
        return rng.choice(titles["p"]), 7

    def goal(self, candidate_areas: list[str], exclude: str, first: str | None = None) -> tuple[str, list[str]]:
        rng = self.rng
        keys = [k for k in candidate_areas if k != exclude]
        template = rng.choice(GOAL_TEMPLATES)
        if first is None or first == exclude:
            first = rng.choice(keys)
        x = rng.choice(ALL_AREAS[first]["learn"])
        used = [first]
        if "{y}" in template:
            second = rng.choice([k for k in keys if k != first])
            y = rng.choice(ALL_AREAS[second]["learn"])
            used.append(second)
            return template.format(x=x, y=y), used
        return template.format(x=x), used

    def vary(self, sentence: str, kind: str, area: dict, loc) -> str:
        """Sometimes add a short lead-in so shared pool sentences read differently."""
        rng = self.rng
        if rng.random() > 0.35 or not sentence.startswith("I "):
            return sentence
        second = sentence.split()[1]
        if kind == "exp":
            if second in ("have", "am", "sit", "chair", "own", "partner"):
                return sentence
            leads = PAST_LEADS if second in PAST_VERBS else PRESENT_LEADS
        else:
            if second == "can":
                timed = any(w in sentence for w in ("session", "sitting", "minutes", "an hour"))
                leads = CAN_LEADS_TIMED if timed else CAN_LEADS
            elif second in ("like", "enjoy"):
                leads = LIKE_LEADS
            else:
                return sentence
        lead = rng.choice(leads).format(city=loc[0], region=region_of(loc[1]), topic=area["topic"])
        return lead + sentence

    def bio(self, area: dict, styles: list[str], title: str, seniority: int, loc, langs: list[str],
            flash_topic: str | None, goal_topic: str | None, mentor: bool = True) -> str:
        rng = self.rng
        flash_only = styles == ["flash"]
        for _ in range(200):
            exp = [self.vary(x, "exp", area, loc) for x in rng.sample(area["exp"], k=1 if rng.random() < 0.55 else 2)]
            if not mentor:
                if len(exp) == 1:
                    exp.append(self.vary(rng.choice([x for x in area["exp"] if not exp[0].endswith(x)]), "exp", area, loc))
                text = " ".join(exp)
                if text not in self.used_bios:
                    self.used_bios.add(text)
                    return text
                continue
            teach_pool = list(area["teach"])
            if area["group"] == "specialist" and seniority == 7 and not flash_only:
                if title == area["titles"]["p"][0]:
                    teach_pool += [x.format(n=rng.choice(NUMBERS), team=area["team"]) for x in MANAGER_TEACH]
                else:
                    teach_pool += IC_TEACH
            teach = [self.vary(x, "teach", area, loc)
                     for x in rng.sample(teach_pool, k=1 if (len(exp) == 2 or rng.random() < 0.5) else 2)]
            extra: list[str] = []
            roll = rng.random()
            if flash_only:
                roll = roll * 0.45 + 0.35  # lands in the flash band most of the time
            if "reverse" in styles and roll < 0.35:
                slots = {k: rng.choice(v) for k, v in REVERSE_SLOTS.items()}
                extra.append(rng.choice(REVERSE_SENT).format(n=rng.choice(["two", "three", "four", "five"]), **slots))
            elif "flash" in styles and flash_topic and roll < 0.62:
                slots = {k: rng.choice(v) for k, v in FLASH_SLOTS.items()}
                extra.append(rng.choice(FLASH_SENT).format(topic=flash_topic, **slots))
            elif "e-mentoring" in styles and roll < 0.78:
                names = [LANG_NAMES[code] for code in langs]
                lang_text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
                slots = {k: rng.choice(v) for k, v in E_SLOTS.items()}
                extra.append(rng.choice(E_SENT).format(city=loc[0], langs=lang_text, **slots))
            elif "two-way" in styles and goal_topic and roll < 0.9:
                extra.append(rng.choice(TWOWAY_SENT).format(topic=area["topic"], goal_topic=goal_topic))
            elif "traditional" in styles and roll < 0.97:
                slots = {k: rng.choice(v) for k, v in TRAD_SLOTS.items()}
                extra.append(rng.choice(TRAD_SENT).format(**slots))
            sentences = exp + teach + extra
            # A teaching sentence occasionally leads; mostly experience comes first.
            if rng.random() < 0.15:
                sentences = teach + exp + extra
            sentences = sentences[:4]
            if len(sentences) < 2:
                continue
            text = " ".join(sentences)
            if text not in self.used_bios:
                self.used_bios.add(text)
                return text
        raise RuntimeError(f"could not make a unique bio for {area['key']}")

    def formats(self, virtual_only: bool = False) -> list[str]:
        if virtual_only:
            return ["virtual"]
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice([["in-person", "virtual"], ["virtual", "in-person"]])
        if r < 0.85:
            return ["virtual"]
        return ["in-person"]

    def skills(self, area: dict, extra_area: dict | None = None) -> list[str]:
        rng = self.rng
        tags = rng.sample(area["skills"], k=min(len(area["skills"]), rng.randint(2, 4)))
        if extra_area is not None:
            tag = rng.choice(extra_area["skills"])
            if tag not in tags:
                tags.append(tag)
        return tags

    def add(self, *, category: str, area_key: str, seniority: int, styles: list[str], goal_areas: list[str] | None,
            capacity: int, flash_hours: float, virtual_only: bool = False, loc=None, extra_skill_area: str | None = None,
            with_bio: bool = True, goal_first: str | None = None) -> dict:
        rng = self.rng
        area = ALL_AREAS[area_key]
        loc = loc or self.pick_location()
        name, culture = self.make_name(loc)
        langs = self.languages(loc, culture)
        title, seniority = self.title(area, seniority)
        flash_topic = rng.choice(area["flash"]) if ("flash" in styles and area.get("flash")) else None
        if "flash" in styles and flash_topic is None:
            flash_topic = area["topic"]
        person: dict = {
            "name": name,
            "title": title,
            "seniority": seniority,
            "department": area["dept"],
        }
        goal_text, goal_used = self.goal(goal_areas, exclude=area_key, first=goal_first) if goal_areas else (None, [])
        goal_topic = ALL_AREAS[goal_used[0]]["topic"] if goal_used else None
        if with_bio:
            person["bio"] = self.bio(area, styles, title, seniority, loc, langs, flash_topic, goal_topic,
                                     mentor=bool(styles))
        person["skills"] = self.skills(area, ALL_AREAS[extra_skill_area] if extra_skill_area else None)
        if goal_text:
            person["goals"] = goal_text
        person["styles"] = styles
        person["formats"] = self.formats(virtual_only)
        person["location"] = loc[0]
        person["timezone"] = loc[1]
        person["languages"] = langs
        person["capacity"] = capacity
        person["flash_hours_per_month"] = float(flash_hours)
        person["_category"] = category
        person["_area"] = area_key
        person["_goal_areas"] = goal_used
        self.people.append(person)
        return person


def build() -> list[dict]:
    b = Builder()
    rng = b.rng
    reverse_keys = list(REVERSE_AREAS)
    senior_keys = list(SENIOR_AREAS)
    spec_keys = list(SPECIALIST_AREAS)
    # Independent shuffled rotations so every category covers every specialist area evenly.
    rotations = {name: rng.sample(spec_keys, k=len(spec_keys)) for name in ("senior", "flash", "e", "two", "mid")}
    flash_hours_options = [1.0, 1.5, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 8.0]

    # What seniors want to learn: social platforms, AI tools, data literacy.
    senior_goal_areas = reverse_keys + ["data_leader", "ml", "sql", "bi_dashboards", "pandas"]
    # What juniors want to learn: the leadership and business topics seniors teach.
    junior_goal_areas = senior_keys + ["excel", "public_speaking", "recruiting", "okrs", "sql", "product_mgmt"]

    # Two-way reverse mentors waiting for a senior who wants to learn their topic:
    # (junior's area, senior area the junior wants to learn).
    pending_pairs: list[tuple[str, str]] = []

    # 1) Reverse mentors: seniority 1-4, social media / AI / new platforms.
    for i in range(72):
        key = reverse_keys[i % len(reverse_keys)]
        seniority = rng.choices([1, 2, 3, 4], weights=[15, 30, 30, 25])[0]
        styles = ["reverse"]
        if rng.random() < 0.30:
            styles.append("flash")
        if rng.random() < 0.40:
            styles.append("two-way")
        emt = rng.random() < 0.15
        if emt:
            styles.append("e-mentoring")
        goal = junior_goal_areas if ("two-way" in styles or rng.random() < 0.85) else None
        goal_first = None
        if "two-way" in styles:
            goal_first = rng.choice(senior_keys)
            pending_pairs.append((key, goal_first))
        other = rng.choice(reverse_keys)
        b.add(category="reverse", area_key=key, seniority=seniority, styles=styles, goal_areas=goal, goal_first=goal_first,
              capacity=rng.randint(1, 3), flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
              virtual_only=emt and rng.random() < 0.6, extra_skill_area=other if other != key else None)

    # 2) Senior mentors: seniority 7-10, traditional mentoring in leadership and business.
    for i in range(64):
        if i < 44:
            key = senior_keys[i % len(senior_keys)]
            seniority = rng.choices([8, 9, 10], weights=[45, 35, 20])[0]
        else:
            key = rotations["senior"][i % len(spec_keys)]
            seniority = 7
        styles = ["traditional"]
        if rng.random() < 0.35:
            styles.append("two-way")
        if rng.random() < 0.12:
            styles.append("flash")
        if rng.random() < 0.12:
            styles.append("e-mentoring")
        flash_hours = rng.choice([1.0, 1.5, 2.0]) if "flash" in styles else 0.0
        goal_first = None
        if "two-way" in styles:
            # Reciprocal pair: learn the topic of a two-way junior who wants to learn this senior's topic.
            match = next((pair for pair in pending_pairs if pair[1] == key), None)
            if match is not None:
                pending_pairs.remove(match)
                goal_first = match[0]
        b.add(category="senior", area_key=key, seniority=seniority, styles=styles, goal_areas=senior_goal_areas,
              capacity=rng.randint(1, 4), flash_hours=flash_hours, goal_first=goal_first)

    # 3) Flash mentors: focused topics, some flash-only (capacity 0).
    for i in range(70):
        key = rotations["flash"][i % len(spec_keys)]
        seniority = rng.choices([3, 4, 5, 6, 7], weights=[20, 30, 25, 15, 10])[0]
        flash_only = rng.random() < 0.35
        styles = ["flash"]
        capacity = 0
        if not flash_only:
            capacity = rng.randint(1, 3)
            if rng.random() < 0.2:
                styles.append("e-mentoring")
            if seniority >= 5 and rng.random() < 0.3:
                styles.append("traditional")
            if rng.random() < 0.2:
                styles.append("two-way")
        goal = spec_keys + senior_keys if ("two-way" in styles or rng.random() < 0.7) else None
        b.add(category="flash", area_key=key, seniority=seniority, styles=styles, goal_areas=goal,
              capacity=capacity, flash_hours=rng.choice(flash_hours_options))

    # 4) Virtual-only e-mentors spread across every time zone.
    loc_order = sorted(range(len(LOCATIONS)), key=lambda j: rng.random())
    for i in range(50):
        seniority = rng.choices([3, 4, 5, 6, 7, 8, 9], weights=[12, 18, 22, 18, 14, 10, 6])[0]
        key = senior_keys[i % len(senior_keys)] if seniority >= 8 else rotations["e"][i % len(spec_keys)]
        styles = ["e-mentoring"]
        if seniority >= 5 and rng.random() < 0.35:
            styles.append("traditional")
        if rng.random() < 0.2:
            styles.append("flash")
        if rng.random() < 0.15:
            styles.append("two-way")
        goal_pool = senior_goal_areas if seniority >= 8 else spec_keys + senior_keys
        goal = goal_pool if ("two-way" in styles or rng.random() < 0.75) else None
        b.add(category="e-mentoring", area_key=key, seniority=seniority, styles=styles, goal_areas=goal,
              capacity=rng.randint(1, 4), flash_hours=rng.choice([1.0, 2.0, 3.0]) if "flash" in styles else 0.0,
              virtual_only=True, loc=LOCATIONS[loc_order[i % len(loc_order)]])

    # 5) Two-way mentors: have goals and offers; goals are things other mentors teach.
    for i in range(42):
        # Generated in pairs that want to learn each other's topic.
        key = rotations["two"][i % len(spec_keys)]
        partner = rotations["two"][(i + 1 if i % 2 == 0 else i - 1) % len(spec_keys)]
        seniority = rng.choices([3, 4, 5, 6, 7], weights=[20, 25, 25, 20, 10])[0]
        styles = ["two-way"]
        if seniority >= 5 and rng.random() < 0.3:
            styles.append("traditional")
        if rng.random() < 0.3:
            styles.append("flash")
        if rng.random() < 0.15:
            styles.append("e-mentoring")
        b.add(category="two-way", area_key=key, seniority=seniority, styles=styles,
              goal_areas=spec_keys + reverse_keys[:4] + ["careers", "negotiation", "budgeting"], goal_first=partner,
              capacity=rng.randint(1, 3), flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0)

    # 6) Mid-level specialists (4-7) across functions.
    for i in range(46):
        key = rotations["mid"][i % len(spec_keys)]
        seniority = rng.choices([4, 5, 6, 7], weights=[25, 30, 30, 15])[0]
        pool = ["traditional", "flash", "e-mentoring", "two-way"]
        styles = rng.sample(pool, k=rng.choice([1, 1, 2]))
        styles.sort(key=pool.index)
        goal = spec_keys + senior_keys if ("two-way" in styles or rng.random() < 0.8) else None
        b.add(category="mid", area_key=key, seniority=seniority, styles=styles, goal_areas=goal,
              capacity=rng.randint(1, 3), flash_hours=rng.choice(flash_hours_options) if "flash" in styles else 0.0,
              virtual_only="e-mentoring" in styles and rng.random() < 0.5)

    # 7) People who are not mentors (yet): goals only.
    for i in range(38):
        seniority = rng.choices([1, 2, 3, 4, 5, 6, 7, 8, 9], weights=[12, 18, 18, 15, 12, 9, 6, 6, 4])[0]
        if seniority >= 8:
            key = rng.choice(senior_keys)
            goal_pool = senior_goal_areas
        elif seniority <= 4 and rng.random() < 0.35:
            key = rng.choice(reverse_keys)
            goal_pool = junior_goal_areas
        else:
            key = rng.choice(spec_keys)
            goal_pool = spec_keys + senior_keys + reverse_keys
        b.add(category="mentee", area_key=key, seniority=seniority, styles=[], goal_areas=goal_pool,
              capacity=0, flash_hours=0.0, with_bio=rng.random() < 0.6)

    people = b.people
    rng.shuffle(people)
    for n, person in enumerate(people, start=1):
        person["id"] = f"demo-{n:03d}"

    # Managers: ~30% get a more senior person in the same department (strictly higher
    # seniority, so no cycle is possible).
    for person in people:
        if person["seniority"] >= 10 or rng.random() >= 0.32:
            continue
        s = person["seniority"]
        candidates = [p for p in people if p["department"] == person["department"] and s < p["seniority"] <= s + 3]
        if not candidates:
            candidates = [p for p in people if p["department"] == person["department"] and p["seniority"] > s]
        if candidates:
            person["manager_id"] = rng.choice(candidates)["id"]

    # A few inactive and a few hidden profiles.
    for person in rng.sample(people, k=max(1, round(len(people) * 0.03))):
        person["active"] = False
    for person in rng.sample(people, k=max(1, round(len(people) * 0.03))):
        person["discoverable"] = False
    return people


KEY_ORDER = ["id", "name", "title", "seniority", "department", "bio", "skills", "goals", "styles", "formats",
             "location", "timezone", "languages", "manager_id", "capacity", "flash_hours_per_month", "active",
             "discoverable"]


def public(person: dict) -> dict:
    return {k: person[k] for k in KEY_ORDER if k in person}


def main() -> None:
    people = build()
    for person in people:
        assert not FORBIDDEN_KEYS & set(public(person)), person["id"]
    with OUT.open("w", encoding="utf-8") as fh:
        for person in people:
            fh.write(json.dumps(public(person), ensure_ascii=False) + "\n")
    print(f"wrote {len(people)} profiles to {OUT}")


if __name__ == "__main__":
    main()
