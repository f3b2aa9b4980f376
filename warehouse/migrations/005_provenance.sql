-- Where every number comes from: the source of each Hub snapshot (the Hub, a named mirror, or the replay
-- Hub with synthetic counters, as the source says of itself), smoke tests dated by the Hub snapshot they
-- belong to, and the pipeline's own test repositories kept out of the product.

-- One row per Hub snapshot date: what produced it.
CREATE TABLE hub_snapshots (
    snapshot_date    DATE PRIMARY KEY,
    run_id           VARCHAR NOT NULL,
    endpoint         VARCHAR NOT NULL,      -- the URL queried (HF_ENDPOINT), credentials never included
    source_kind      VARCHAR NOT NULL,      -- hub | mirror | replay | unknown (recorded before this migration)
    source_name      VARCHAR,               -- huggingface.co, the mirror's URL, or 'replay Hub'
    synthetic_fields VARCHAR[],             -- model_snapshots columns whose values are synthetic (empty: none)
    rule_fields      VARCHAR[],             -- model_snapshots columns assigned by rule, not observed (empty: none)
    announced        VARCHAR                -- what the source said about itself (the replay Hub's header), or NULL
);

-- Snapshots taken before this migration: their source was not recorded (the endpoint was, in runs).
INSERT INTO hub_snapshots (snapshot_date, run_id, endpoint, source_kind)
SELECT s.snapshot_date, any_value(s.run_id), coalesce(any_value(r.source_version), 'unknown'), 'unknown'
FROM model_snapshots s LEFT JOIN runs r USING (run_id)
GROUP BY s.snapshot_date;

-- The Hub snapshot date a smoke test belongs to (tested_at stays the wall clock). Older rows: the date of
-- tested_at.
ALTER TABLE smoke_results ADD COLUMN snapshot_date DATE;
UPDATE smoke_results SET snapshot_date = CAST(tested_at AS DATE);

-- The pipeline's own test repositories (smoke.fixtures): snapshotted and smoke-tested, but never ranked,
-- trended or listed as a coverage gap.
ALTER TABLE models ADD COLUMN fixture BOOLEAN DEFAULT false;

-- The coverage views again, without test repositories and with where the Hub numbers came from.
DROP VIEW cmteb_gap_not_evaluated;
DROP VIEW cmteb_coverage;

CREATE VIEW cmteb_coverage AS
WITH hub AS (
    SELECT s.snapshot_date, s.model_id, m.family_id, s.downloads_30d, s.likes
    FROM model_snapshots s JOIN models m USING (model_id)
    WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM model_snapshots) AND NOT coalesce(m.fixture, false)
),
latest AS (SELECT max(snapshot_date) AS d FROM cmteb_snapshots),
evaluated AS (
    SELECT c.model_name, c.model_id, c.family_id, c.n_tasks_cmn,
           lb.mean_task IS NOT NULL AS complete_leaderboard,
           le.mean_task IS NOT NULL AS complete_lenient
    FROM cmteb_models c
    LEFT JOIN cmteb_leaderboard lb ON lb.snapshot_date = c.snapshot_date AND lb.model_name = c.model_name
                                  AND lb.protocol = 'leaderboard'
    LEFT JOIN cmteb_leaderboard le ON le.snapshot_date = c.snapshot_date AND le.model_name = c.model_name
                                  AND le.protocol = 'lenient'
    WHERE c.snapshot_date = (SELECT d FROM latest) AND c.n_tasks_cmn > 0
)
SELECT hub.snapshot_date AS hub_date, (SELECT d FROM latest) AS cmteb_date,
       hub.model_id, hub.family_id, hub.downloads_30d, hub.likes,
       self.model_name AS mteb_name,
       coalesce(self.n_tasks_cmn, 0) AS n_tasks_cmn,
       coalesce(self.complete_leaderboard, false) AS complete_leaderboard,
       coalesce(self.complete_lenient, false) AS complete_lenient,
       fam.members AS family_evaluated,
       coalesce(fam.any_leaderboard, false) AS family_complete_leaderboard,
       coalesce(fam.any_lenient, false) AS family_complete_lenient,
       hs.source_kind AS hub_source,
       list_has_any(coalesce(hs.synthetic_fields, []), ['downloads_30d', 'likes']) AS synthetic_counts
FROM hub
LEFT JOIN hub_snapshots hs ON hs.snapshot_date = hub.snapshot_date
LEFT JOIN evaluated self ON self.model_id = hub.model_id
LEFT JOIN (
    SELECT family_id, list(model_name ORDER BY model_name) AS members,
           bool_or(complete_leaderboard) AS any_leaderboard, bool_or(complete_lenient) AS any_lenient
    FROM evaluated GROUP BY family_id
) fam ON fam.family_id = hub.family_id;

-- Popular on the Hub but never evaluated on C-MTEB: neither the model nor any model of its family.
CREATE VIEW cmteb_gap_not_evaluated AS
SELECT hub_date, model_id, family_id, downloads_30d, likes, hub_source, synthetic_counts
FROM cmteb_coverage
WHERE family_evaluated IS NULL
ORDER BY downloads_30d DESC NULLS LAST, model_id;
