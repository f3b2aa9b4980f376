-- C-MTEB: snapshots of the Chinese MTEB results, the three protocols' boards, the models' metadata,
-- the changes between snapshots, and the coverage gaps against the Hub side (models, model_snapshots).
-- All scores on the leaderboard's 0-100 scale. A snapshot is written only when the source changed.

CREATE TABLE cmteb_snapshots (
    snapshot_date   DATE PRIMARY KEY,
    run_id          VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,      -- hub:mteb/results | checkout:<path>
    source_version  VARCHAR NOT NULL,      -- dataset commit, git:<sha> or sha1:<digest>
    previous_date   DATE,                  -- the snapshot the changes are measured against
    n_models        INTEGER NOT NULL,
    n_cells         INTEGER NOT NULL       -- (model, revision, task, split, subset) cells read
);

CREATE TABLE cmteb_scores (
    snapshot_date    DATE NOT NULL,
    model_name       VARCHAR NOT NULL,     -- MTEB's name (normally the Hub id at evaluation time)
    task_name        VARCHAR NOT NULL,
    task_type        VARCHAR NOT NULL,     -- Retrieval | Reranking | PairClassification | Classification | Clustering | STS
    in_mteb_cmn      BOOLEAN NOT NULL,     -- one of the 31 tasks of MTEB(cmn, v1)
    in_cpack2023     BOOLEAN NOT NULL,     -- one of the 35 datasets of the original C-MTEB
    revision         VARCHAR,              -- the results folder the score comes from
    splits           VARCHAR[],            -- splits with a score
    score            DOUBLE,               -- leaderboard protocol (NULL unless every required split is there)
    score_available  DOUBLE,               -- mean over the splits present, complete or not
    score_lenient    DOUBLE,
    score_cpack2023  DOUBLE,
    lenient_fallback VARCHAR,              -- validation_only | map
    PRIMARY KEY (snapshot_date, model_name, task_name)
);

CREATE TABLE cmteb_leaderboard (
    snapshot_date       DATE NOT NULL,
    protocol            VARCHAR NOT NULL,  -- leaderboard | cpack2023 | lenient
    model_name          VARCHAR NOT NULL,
    model_id            VARCHAR,           -- Hub id (NULL: not found on the Hub side)
    mean_task           DOUBLE,
    mean_task_type      DOUBLE,
    retrieval           DOUBLE,
    reranking           DOUBLE,
    pair_classification DOUBLE,
    classification      DOUBLE,
    clustering          DOUBLE,
    sts                 DOUBLE,
    n_tasks             INTEGER NOT NULL,
    tasks_expected      INTEGER NOT NULL,
    borda_rank          INTEGER NOT NULL,
    fallbacks           VARCHAR[],         -- lenient: task:fallback used
    PRIMARY KEY (snapshot_date, protocol, model_name)
);

CREATE TABLE cmteb_models (
    snapshot_date        DATE NOT NULL,
    model_name           VARCHAR NOT NULL,
    model_id             VARCHAR,
    match_method         VARCHAR,          -- exact | org__name | case | renamed
    family_id            VARCHAR NOT NULL,
    meta_revision        VARCHAR,          -- the results folder whose model_meta.json is used
    in_mteb_registry     BOOLEAN NOT NULL,
    n_parameters         BIGINT,
    embed_dim            INTEGER,
    max_tokens           BIGINT,
    license              VARCHAR,
    open_weights         BOOLEAN,
    public_training_code VARCHAR,
    public_training_data VARCHAR,
    training_datasets    VARCHAR[],
    zero_shot_pct        INTEGER,
    release_date         DATE,
    adapted_from         VARCHAR,
    superseded_by        VARCHAR,
    framework            VARCHAR[],
    reference            VARCHAR,
    n_tasks_cmn          INTEGER NOT NULL, -- MTEB(cmn, v1) tasks with any score (main, map or AP)
    PRIMARY KEY (snapshot_date, model_name)
);

CREATE TABLE cmteb_changes (
    snapshot_date   DATE NOT NULL,
    previous_date   DATE NOT NULL,
    change_type     VARCHAR NOT NULL,      -- new_model | removed_model | new_result | changed_result | removed_result
                                           -- | mean_gained | mean_lost | entered | left | rank_move
    protocol        VARCHAR,               -- for board changes
    model_name      VARCHAR NOT NULL,
    task_name       VARCHAR,               -- for result changes
    old_value       DOUBLE,
    new_value       DOUBLE,
    old_rank        INTEGER,
    new_rank        INTEGER,
    detail          VARCHAR
);

-- The snapshot in force on every date the flow ran (a run that found the source unchanged writes no rows,
-- so "this week" and "a month ago" are run dates, each answered by the latest snapshot at or before it).
CREATE VIEW cmteb_in_force AS
SELECT r.as_of, s.snapshot_date, s.source_version
FROM (SELECT DISTINCT snapshot_date AS as_of FROM runs
      WHERE flow = 'mteb_snapshot' AND status IN ('completed', 'skipped') AND snapshot_date IS NOT NULL) r
ASOF JOIN cmteb_snapshots s ON r.as_of >= s.snapshot_date;

-- The Hub's latest snapshot with each model's C-MTEB coverage, by the model itself or its family.
CREATE VIEW cmteb_coverage AS
WITH hub AS (
    SELECT s.snapshot_date, s.model_id, m.family_id, s.downloads_30d, s.likes
    FROM model_snapshots s JOIN models m USING (model_id)
    WHERE s.snapshot_date = (SELECT max(snapshot_date) FROM model_snapshots)
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
       coalesce(fam.any_lenient, false) AS family_complete_lenient
FROM hub
LEFT JOIN evaluated self ON self.model_id = hub.model_id
LEFT JOIN (
    SELECT family_id, list(model_name ORDER BY model_name) AS members,
           bool_or(complete_leaderboard) AS any_leaderboard, bool_or(complete_lenient) AS any_lenient
    FROM evaluated GROUP BY family_id
) fam ON fam.family_id = hub.family_id;

-- Popular on the Hub but never evaluated on C-MTEB: neither the model nor any model of its family.
CREATE VIEW cmteb_gap_not_evaluated AS
SELECT hub_date, model_id, family_id, downloads_30d, likes
FROM cmteb_coverage
WHERE family_evaluated IS NULL
ORDER BY downloads_30d DESC NULLS LAST, model_id;

-- Evaluated on C-MTEB (latest snapshot) but unknown on the Hub side (not found by the Hub queries).
CREATE VIEW cmteb_gap_not_on_hub AS
SELECT c.snapshot_date, c.model_name, c.open_weights, c.n_tasks_cmn, lb.mean_task, lb.borda_rank
FROM cmteb_models c
LEFT JOIN cmteb_leaderboard lb ON lb.snapshot_date = c.snapshot_date AND lb.model_name = c.model_name
                              AND lb.protocol = 'leaderboard'
WHERE c.snapshot_date = (SELECT max(snapshot_date) FROM cmteb_snapshots)
  AND c.model_id IS NULL AND c.n_tasks_cmn > 0
ORDER BY c.n_tasks_cmn DESC, lb.borda_rank NULLS LAST, c.model_name;
