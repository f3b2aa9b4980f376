-- Criteria stored once. Seven of the eight criteria do not depend on the profile, yet criteria_scores held
-- them once per profile: four copies of most of the warehouse's rows, written on every scoring date.
-- criterion_values holds each value once (fit once per profile), profile_weights each profile's weights and
-- missing-data policy, and criteria_scores is now a view with the same columns as before, which computes
-- effective_weight and contribution from them as the scoring pass did.

CREATE TABLE criterion_values (
    as_of               DATE NOT NULL,
    profile             VARCHAR,           -- NULL: the same for every profile (all criteria but fit)
    model_id            VARCHAR NOT NULL,
    criterion           VARCHAR NOT NULL,
    raw_value           DOUBLE,
    unit                VARCHAR,
    score               DOUBLE,            -- as used: when missing, the policy's stand-in (NULL under renormalise)
    missing             BOOLEAN NOT NULL,
    estimated           BOOLEAN NOT NULL,
    source              VARCHAR,
    detail              VARCHAR,
    run_id              VARCHAR NOT NULL
);

CREATE TABLE profile_weights (
    as_of               DATE NOT NULL,
    profile             VARCHAR NOT NULL,
    criterion           VARCHAR NOT NULL,
    weight              DOUBLE,            -- NULL only where a warehouse before 007 stored none
    missing_policy      VARCHAR NOT NULL,  -- quartile | penalise | renormalise
    run_id              VARCHAR NOT NULL
);

-- Rows written before this migration keep their profile: nothing is merged, so an upgrade loses nothing
-- whatever the old rows hold (only new scoring dates are stored once).
INSERT INTO criterion_values
SELECT as_of, profile, model_id, criterion, raw_value, unit, score, missing, estimated, source, detail, run_id
FROM criteria_scores;

INSERT INTO profile_weights
SELECT c.as_of, c.profile, c.criterion, any_value(c.weight),
       coalesce(any_value(r.missing_policy), 'renormalise'), any_value(c.run_id)
FROM criteria_scores c
LEFT JOIN (SELECT DISTINCT as_of, profile, missing_policy FROM rankings) r USING (as_of, profile)
GROUP BY c.as_of, c.profile, c.criterion;

DROP VIEW ranking_explanations;
DROP TABLE criteria_scores;

CREATE VIEW criteria_scores AS
WITH placed AS (
    SELECT v.as_of, w.profile, v.model_id, v.criterion, v.raw_value, v.unit, v.score, w.weight, w.missing_policy,
           v.missing, v.estimated, v.source, v.detail, v.run_id
    FROM criterion_values v
    JOIN profile_weights w ON w.as_of = v.as_of AND w.criterion = v.criterion
    WHERE v.profile IS NULL
    UNION ALL
    SELECT v.as_of, w.profile, v.model_id, v.criterion, v.raw_value, v.unit, v.score, w.weight, w.missing_policy,
           v.missing, v.estimated, v.source, v.detail, v.run_id
    FROM criterion_values v
    JOIN profile_weights w ON w.as_of = v.as_of AND w.criterion = v.criterion AND w.profile = v.profile
),
counted AS (
    SELECT *, CASE WHEN missing AND missing_policy = 'renormalise' THEN 0.0 ELSE weight END AS counted
    FROM placed
),
shares AS (
    SELECT *, CASE WHEN sum(counted) OVER (PARTITION BY as_of, profile, model_id) > 0
                   THEN counted / sum(counted) OVER (PARTITION BY as_of, profile, model_id) ELSE 0.0 END
                   AS effective_weight
    FROM counted
)
SELECT as_of, profile, model_id, criterion, raw_value, unit, score, weight, effective_weight,
       effective_weight * score AS contribution, missing, estimated, source, detail, run_id
FROM shares;

-- As in 003: why each ranked model stands where it does.
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
