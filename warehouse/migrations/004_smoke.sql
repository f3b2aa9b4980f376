-- Smoke tests: one row per model tested (or refused, or skipped with its reason) per run.

CREATE TABLE smoke_results (
    run_id                      VARCHAR NOT NULL,
    tested_at                   TIMESTAMP NOT NULL,    -- UTC, when the test finished
    model_id                    VARCHAR NOT NULL,
    revision                    VARCHAR,               -- the commit sha tested (NULL if never listed)
    status                      VARCHAR NOT NULL,      -- passed | failed | refused | skipped
    failure_class               VARCHAR,               -- NULL when passed; see docs/smoke-tests.md
    error                       VARCHAR,               -- one line: what failed, or why skipped/refused
    reasons                     VARCHAR[],             -- why selected: 'rank 1 in rag', 'configured', 'requested'
    load_seconds                DOUBLE,                -- model load time of the primary backend (imports excluded)
    import_seconds              DOUBLE,                -- importing torch/transformers/sentence-transformers
    sentences_per_second        DOUBLE,                -- primary backend, warm, fixed Chinese corpus
    embedding_dim               INTEGER,               -- measured output dimension
    declared_dim                INTEGER,               -- what the repo declares (pooling config or hidden size)
    max_seq_length              INTEGER,               -- tokens kept after truncation (primary backend)
    peak_rss_mb                 DOUBLE,                -- peak resident memory of the worker process
    unk_rate                    DOUBLE,                -- unknown-token share on the Chinese corpus (0-1)
    primary_backend             VARCHAR,               -- sentence_transformers when it loads, else transformers
    loads_transformers          BOOLEAN,               -- AutoTokenizer + AutoModel worked (NULL: not tried)
    loads_sentence_transformers BOOLEAN,               -- SentenceTransformer worked (NULL: no modules.json)
    backends_agree              BOOLEAN,               -- both ways give the same vectors (NULL: not comparable)
    checks                      JSON,                  -- [{name, backend, passed, value, limit, detail}, ...]
    backends                    JSON,                  -- per backend: loaded, error, load_seconds, sentences_per_second, ...
    batch_size                  INTEGER,
    threads                     INTEGER,
    trust_remote_code           BOOLEAN,               -- the model was allow-listed and its code ran
    download_mb                 DOUBLE,
    download_seconds            DOUBLE,
    wall_seconds                DOUBLE,                -- the whole test: download, subprocess, checks
    last_phase                  VARCHAR,               -- the worker's last progress marker (where a hang hung)
    versions                    JSON,                  -- python, torch, transformers, sentence-transformers, ...
    hardware                    JSON,                  -- cpu, cpu_count, memory_mb, threads, system
    PRIMARY KEY (run_id, model_id)
);
