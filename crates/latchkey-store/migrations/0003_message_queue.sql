-- The durable queue of outgoing messages (mail and SMS). One row per message; `state` is
-- pending, sent or dead. A pending row whose lease_until lies in the future is held by the
-- worker named in lease_owner. `body` holds the sealed text (never the clear body) and is
-- emptied once the row is sent or dead. Times are epoch milliseconds.

CREATE TABLE message_queue (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT,
    lease_owner TEXT,
    lease_until BIGINT
);
CREATE INDEX message_queue_due ON message_queue (state, next_attempt_at);
