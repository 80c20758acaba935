-- What the requesting organization typed to name the person (beppu §17-3): the
-- request list shows it that, and nothing else of the person, until the office
-- grants.
ALTER TABLE access_requests ADD COLUMN insured_no TEXT NOT NULL DEFAULT '';
ALTER TABLE access_requests ADD COLUMN birth_date TEXT NOT NULL DEFAULT '';
CREATE INDEX access_requests_org ON access_requests (network_id, org_id, created_at);
