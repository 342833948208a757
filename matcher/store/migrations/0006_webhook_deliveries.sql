-- Webhook deliveries (matcher/store/webhooks.py): one row per (outbox event, receiver), so that each
-- receiver of MATCHER_WEBHOOK_URLS gets each event once, retried on its own schedule. A sender hands an
-- outbox event out (outbox.next_attempt_at set to NULL) by inserting its deliveries; outbox.delivered_at
-- is set when all of them ended (delivered, or given up and kept for admins).

CREATE TABLE webhook_deliveries (
    outbox_id BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    receiver TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION,    -- NULL: delivered or given up
    delivered_at DOUBLE PRECISION,
    last_error TEXT,                     -- a status code or an error class, never a body
    PRIMARY KEY (outbox_id, receiver)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (receiver, next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
