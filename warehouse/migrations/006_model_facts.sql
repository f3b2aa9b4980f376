-- Model facts from every source, each with where it came from: C-MTEB metadata of every revision folder,
-- the repositories' configuration files, the Hub listing and the smoke test (docs/criteria.md, "Model facts").

ALTER TABLE cmteb_models ADD COLUMN n_embedding_parameters BIGINT;  -- token-embedding parameters (memory, not compute)
ALTER TABLE cmteb_models ADD COLUMN matryoshka_dims INTEGER[];      -- sizes the embedding can be truncated to
ALTER TABLE cmteb_models ADD COLUMN context_unlimited BOOLEAN;      -- max_tokens: Infinity (static models)
ALTER TABLE cmteb_models ADD COLUMN fact_revisions VARCHAR;         -- JSON: fact -> the revision folder stating it

-- What a repository's configuration files say, read once per commit (the Hub snapshot reads new commits).
CREATE TABLE model_files (
    model_id                VARCHAR NOT NULL,
    sha                     VARCHAR,           -- the commit read
    read_on                 DATE NOT NULL,     -- the snapshot date of the run that read it
    run_id                  VARCHAR NOT NULL,
    hidden_size             INTEGER,           -- config.json
    num_layers              INTEGER,           -- config.json num_hidden_layers (or n_layer ...)
    vocab_size              INTEGER,           -- config.json
    max_position_embeddings INTEGER,           -- config.json
    model_type              VARCHAR,           -- config.json
    output_dim              INTEGER,           -- sentence-transformers: last dense out_features, else pooling dimension
    max_seq_length          INTEGER,           -- sentence_bert_config.json
    tokenizer_max_length    INTEGER,           -- tokenizer_config.json model_max_length (1e30 "no limit" left out)
    max_tokens              INTEGER,           -- max_seq_length, else the tokenizer's, else the positions
    embedding_params        BIGINT,            -- vocab_size x hidden_size
    files                   VARCHAR[],         -- the files read
    error                   VARCHAR            -- why the repository could not be read; NULL when it was
);

-- Per scoring date, every cohort model's facts as the criteria use them, each with its source.
CREATE TABLE model_facts (
    as_of                   DATE NOT NULL,
    model_id                VARCHAR NOT NULL,
    params                  BIGINT,
    params_source           VARCHAR,
    embed_dim               INTEGER,
    embed_dim_source        VARCHAR,
    matryoshka_dims         INTEGER[],
    max_tokens              BIGINT,            -- NULL with context_unlimited = true: reads any length
    max_tokens_source       VARCHAR,
    context_unlimited       BOOLEAN NOT NULL,
    embedding_params        BIGINT,
    embedding_params_source VARCHAR,
    num_layers              INTEGER,
    license                 VARCHAR,
    license_source          VARCHAR,
    commercial_use          BOOLEAN,           -- NULL when the licence is unknown
    run_id                  VARCHAR NOT NULL
);

ALTER TABLE rankings ADD COLUMN quality_band INTEGER;  -- rank of the first model of its quality band
ALTER TABLE rankings ADD COLUMN series_id VARCHAR;     -- the model series (sizes of one model), e.g. BAAI/bge-*-zh-v1.5

-- Popular models that no profile can rank because no C-MTEB result is complete enough for any of them: the
-- gap to close first. cmteb_tasks: the C-MTEB tasks with any score.
-- Copies (quantized, GGUF/ONNX conversions of a model of the family) are left out: they are not new models.
CREATE VIEW popular_not_benchmarked AS
WITH unranked AS (
    SELECT as_of, model_id FROM rankings GROUP BY as_of, model_id HAVING bool_and(status = 'not_benchmarked')
),
snap AS (
    SELECT as_of,
           (SELECT max(snapshot_date) FROM model_snapshots s WHERE s.snapshot_date <= d.as_of) AS snapshot_date,
           (SELECT max(snapshot_date) FROM cmteb_models c WHERE c.snapshot_date <= d.as_of) AS cmteb_date
    FROM (SELECT DISTINCT as_of FROM unranked) d
),
tasks AS (
    SELECT snapshot_date, model_id, max(n_tasks_cmn) AS n FROM cmteb_models WHERE model_id IS NOT NULL GROUP BY ALL
)
SELECT u.as_of, u.model_id,
       rank() OVER (PARTITION BY u.as_of ORDER BY s.downloads_30d DESC NULLS LAST) AS popularity_rank,
       s.downloads_30d, s.likes, t.momentum, coalesce(k.n, 0) AS cmteb_tasks,
       f.params, f.embed_dim, f.max_tokens, f.license, f.commercial_use,
       s.library_name, s.pipeline_tag, m.family_id, s.base_model, s.base_relation
FROM unranked u
JOIN snap USING (as_of)
JOIN model_snapshots s ON s.model_id = u.model_id AND s.snapshot_date = snap.snapshot_date
LEFT JOIN model_facts f ON f.as_of = u.as_of AND f.model_id = u.model_id
LEFT JOIN models m ON m.model_id = u.model_id
LEFT JOIN tasks k ON k.model_id = u.model_id AND k.snapshot_date = snap.cmteb_date
LEFT JOIN download_trends t ON t.as_of = s.snapshot_date AND t.model_id = u.model_id
WHERE NOT (coalesce(m.family_id, u.model_id) <> u.model_id AND coalesce(s.base_relation, 'quantized') = 'quantized');
