-- A delivery being handed to the gateway: the HTTP call happens after the claiming transaction
-- commits (so a slow gateway never holds the timer runner), and a watchdog timer retries a
-- delivery left in this state by a process that died mid-call.
ALTER TABLE notification_delivery DROP CONSTRAINT notification_delivery_status_check;
ALTER TABLE notification_delivery ADD CONSTRAINT notification_delivery_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped'));
COMMENT ON COLUMN notification_delivery.status IS 'pending (waiting for its timer), sending (handed to the gateway, answer awaited), sent (2xx), failed (attempts used up or the gateway reported failure), skipped (no gateway configured).';
