-- Refunds look up, for every order they refund, whether it qualified a referral binding that has
-- paid its rewards (a refund may take them back): one index probe per order instead of a scan.
CREATE INDEX referral_binding_qualified_order ON referral_binding (qualified_order_id) WHERE qualified_order_id IS NOT NULL;
