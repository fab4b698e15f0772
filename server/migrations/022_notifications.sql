-- Notifications (通知): in-app messages for staff, and deliveries to an SMS/voice gateway through
-- signed webhooks, with their attempts and the gateway's acknowledgement callbacks.
CREATE TABLE notification (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES staff_user (id) ON DELETE CASCADE,
  work_order_id bigint REFERENCES work_order (id),
  kind          text NOT NULL,
  title         text NOT NULL,
  body          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  read_at       timestamptz
);
COMMENT ON TABLE notification IS 'In-app notifications of staff users (the bell in the console): new, reassigned and escalated work orders and module messages. read_at is set when the user marks it read.';
CREATE INDEX notification_user_idx ON notification (user_id, id DESC);
CREATE INDEX notification_unread_idx ON notification (user_id) WHERE read_at IS NULL;

CREATE TABLE notification_delivery (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  work_order_id   bigint REFERENCES work_order (id),
  channel         text NOT NULL CHECK (channel IN ('sms', 'voice')),
  contact_ref     text NOT NULL,
  recipient       jsonb NOT NULL,
  message         text NOT NULL,
  client_key      text UNIQUE,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
  attempts        integer NOT NULL DEFAULT 0,
  max_attempts    integer NOT NULL DEFAULT 6,
  last_status     integer,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz,
  acknowledged_at timestamptz
);
COMMENT ON TABLE notification_delivery IS 'Messages handed to the SMS/voice gateway by signed HTTP webhook (HMAC-SHA256 over timestamp and body): attempts, last HTTP status or error, sent and acknowledged times. Delivery is not acknowledgement: acknowledged_at is set only by the gateway callback (a key press) or the signed link.';
COMMENT ON COLUMN notification_delivery.contact_ref IS 'The module''s reference of the contact (e.g. elder-contact:12), echoed by the gateway and in acknowledgement links.';
CREATE INDEX notification_delivery_order_idx ON notification_delivery (work_order_id);

CREATE TABLE notify_secret (
  name       text PRIMARY KEY,
  secret     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE notify_secret IS 'Signing keys made on first use and shared by every server process (the key of acknowledgement links when ACK_LINK_SECRET is not set).';
