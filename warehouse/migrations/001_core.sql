-- Core tables: run records, the Hub's models and their daily snapshots, and data-quality issues.

CREATE TABLE runs (
    run_id          VARCHAR PRIMARY KEY,   -- uuid4
    flow            VARCHAR NOT NULL,      -- hub_snapshot, mteb_snapshot, scores, smoke, weekly_report, ...
    snapshot_date   DATE,                  -- the date the run writes (UTC), if any
    started_at      TIMESTAMP NOT NULL,    -- UTC
    finished_at     TIMESTAMP,             -- NULL while running or when the process died
    status          VARCHAR NOT NULL,      -- running | completed | skipped | failed | interrupted
    rows_written    BIGINT DEFAULT 0,
    source_version  VARCHAR,               -- e.g. HF_ENDPOINT, or the mteb/results commit
    error           VARCHAR,               -- one line; never a token
    details         JSON                   -- counts, issues, timings
);

CREATE TABLE models (
    model_id        VARCHAR PRIMARY KEY,
    author          VARCHAR,
    created_at      TIMESTAMP,
    first_seen      DATE NOT NULL,
    last_seen       DATE NOT NULL,
    family_id       VARCHAR NOT NULL,      -- the root model of its family (itself when it has no base)
    base_model      VARCHAR,               -- direct base from base_model:* tags
    base_relation   VARCHAR                -- quantized | finetune | adapter | merge | base
);

CREATE TABLE model_snapshots (
    snapshot_date       DATE NOT NULL,
    model_id            VARCHAR NOT NULL,
    run_id              VARCHAR NOT NULL,
    downloads_30d       BIGINT,            -- the Hub's rolling 30-day count ("downloads")
    downloads_all_time  BIGINT,            -- cumulative ("downloadsAllTime")
    likes               BIGINT,
    trending_score      DOUBLE,
    pipeline_tag        VARCHAR,
    library_name        VARCHAR,
    license             VARCHAR,
    params              BIGINT,            -- safetensors parameter count
    tags                VARCHAR[],
    languages           VARCHAR[],
    gated               VARCHAR,           -- false | auto | manual
    disabled            BOOLEAN,
    sha                 VARCHAR,
    created_at          TIMESTAMP,
    last_modified       TIMESTAMP,
    base_model          VARCHAR,
    base_relation       VARCHAR,
    formats             VARCHAR[],         -- safetensors, pytorch, onnx, gguf, openvino ...
    found_by            VARCHAR[],         -- names of the configured queries that returned the model
    PRIMARY KEY (snapshot_date, model_id)
);

CREATE TABLE data_issues (
    run_id          VARCHAR NOT NULL,
    snapshot_date   DATE,
    source          VARCHAR NOT NULL,      -- hub | mteb | smoke
    record_id       VARCHAR,               -- model id (or model/task), escaped and truncated
    field           VARCHAR,
    problem         VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,      -- rejected (row not stored) | nulled (field stored as NULL) | kept
    excerpt         VARCHAR                -- the offending value, truncated to 200 characters
);
