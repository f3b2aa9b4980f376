-- Scores: download trends per snapshot date, the eight criteria per profile, rankings, and explanations.
-- No PRIMARY KEYs on purpose: these tables grow by a cohort's worth of rows (times profiles and criteria) per
-- date, and DuckDB's ART indexes are memory-heavy and slow down the replacing deletes; warehouse/scores.py
-- replaces whole dates in one transaction, which keeps the documented grains unique (tested).

CREATE TABLE download_trends (
    as_of               DATE NOT NULL,     -- a snapshot date
    model_id            VARCHAR NOT NULL,
    downloads_30d       BIGINT,            -- the Hub's rolling count as listed (never differenced)
    downloads_all_time  BIGINT,
    interval_downloads  BIGINT,            -- downloads_all_time minus the previous snapshot's (NULL for the first)
    interval_days       INTEGER,           -- days since that previous snapshot
    downloads_7d        DOUBLE,            -- the 7 days up to as_of, intervals spread evenly per day; NULL if unknown
    downloads_28d       DOUBLE,
    wow_growth          REAL,              -- (downloads_7d - the 7 days before) / max(the 7 days before, 1)
    ma_4w               DOUBLE,            -- 4-week moving average of weekly downloads (downloads_28d / 4)
    log_growth          REAL,              -- ln((downloads_7d + 1) / (the 7 days before + 1))
    momentum            VARCHAR,           -- new | rising | steady | cooling | fading; NULL: too little history
    robust_z            REAL,              -- modified z-score of ln(1 + downloads_7d) against the 8 weeks before
    anomaly             VARCHAR,           -- NULL | negative_diff | spike
    rank                INTEGER,           -- by downloads_30d among that snapshot's models (1 = most)
    rank_change         INTEGER,           -- rank a week earlier minus rank now (positive = moved up)
    first_seen          DATE,
    new_entrant         BOOLEAN,           -- first listed on as_of (and as_of is not the warehouse's first date)
    run_id              VARCHAR NOT NULL
);

CREATE TABLE criteria_scores (
    as_of               DATE NOT NULL,
    profile             VARCHAR NOT NULL,
    model_id            VARCHAR NOT NULL,
    criterion           VARCHAR NOT NULL,  -- performance | speed | dimension | fit | training | scalability | compatibility | community
    raw_value           DOUBLE,            -- the measure in its unit; NULL when unknown
    unit                VARCHAR,
    score               DOUBLE,            -- 0-1 across the cohort; the penalty when missing under `penalise`, NULL under `renormalise`
    weight              DOUBLE,            -- the profile's weight for the criterion
    effective_weight    DOUBLE,            -- share of the total after the missing-data policy (sums to 1 per model)
    contribution        DOUBLE,            -- effective_weight * score: what the criterion adds to total_score
    missing             BOOLEAN NOT NULL,  -- no data: unknown, never scored as zero
    estimated           BOOLEAN NOT NULL,  -- derived rather than measured (speed from parameters, a quantized copy's base)
    source              VARCHAR,           -- where raw_value comes from
    detail              VARCHAR,           -- the components, readable
    run_id              VARCHAR NOT NULL
);

CREATE TABLE rankings (
    as_of               DATE NOT NULL,
    profile             VARCHAR NOT NULL,
    model_id            VARCHAR NOT NULL,
    rank                INTEGER,           -- 1..n among ranked models; NULL when not ranked (see status)
    total_score         DOUBLE,            -- sum of the criteria contributions, 0-1
    coverage            DOUBLE,            -- share of the profile's weight with known data
    tie_group           INTEGER,           -- rank of the first model of its tie group (totals within scores.tie_tolerance)
    rank_change         INTEGER,           -- rank a week earlier minus rank now (positive = moved up)
    status              VARCHAR NOT NULL,  -- ranked | family_duplicate | licence_gate | insufficient_data
    represented_by      VARCHAR,           -- family_duplicate: the family's ranked model
    family_id           VARCHAR,
    pareto              BOOLEAN,           -- on the front of quality vs parameters and dimension; NULL if one is unknown
    quality             DOUBLE,            -- the profile-weighted C-MTEB task-type mean (the fit criterion's raw value)
    params              BIGINT,
    embed_dim           INTEGER,
    license             VARCHAR,
    commercial_use      BOOLEAN,           -- the licence allows commercial use; NULL when unknown
    missing             VARCHAR[],         -- weighted criteria without data
    missing_policy      VARCHAR NOT NULL,  -- renormalise | penalise
    run_id              VARCHAR NOT NULL
);

-- Why each ranked model stands where it does: per criterion its contribution, and the difference from the
-- models ranked directly above and below (positive delta_vs_above narrows the gap; negative explains it).
CREATE VIEW ranking_explanations AS
WITH placed AS (
    SELECT r.as_of, r.profile, r.model_id, r.rank, r.total_score,
           a.model_id AS above_model, b.model_id AS below_model
    FROM rankings r
    LEFT JOIN rankings a ON a.as_of = r.as_of AND a.profile = r.profile AND a.rank = r.rank - 1
    LEFT JOIN rankings b ON b.as_of = r.as_of AND b.profile = r.profile AND b.rank = r.rank + 1
    WHERE r.rank IS NOT NULL
)
SELECT p.as_of, p.profile, p.model_id, p.rank, p.total_score, c.criterion, c.raw_value, c.score,
       c.effective_weight, c.contribution, c.missing, c.estimated,
       p.above_model, ca.contribution AS above_contribution,
       coalesce(c.contribution, 0) - coalesce(ca.contribution, 0) AS delta_vs_above,
       p.below_model, cb.contribution AS below_contribution,
       coalesce(c.contribution, 0) - coalesce(cb.contribution, 0) AS delta_vs_below
FROM placed p
JOIN criteria_scores c ON c.as_of = p.as_of AND c.profile = p.profile AND c.model_id = p.model_id
LEFT JOIN criteria_scores ca
    ON ca.as_of = p.as_of AND ca.profile = p.profile AND ca.model_id = p.above_model AND ca.criterion = c.criterion
LEFT JOIN criteria_scores cb
    ON cb.as_of = p.as_of AND cb.profile = p.profile AND cb.model_id = p.below_model AND cb.criterion = c.criterion;
