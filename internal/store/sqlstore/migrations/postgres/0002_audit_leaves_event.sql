-- Sealing looks up the highest sealed event of a network.
CREATE INDEX audit_leaves_event ON audit_leaves (network_id, event_id);
