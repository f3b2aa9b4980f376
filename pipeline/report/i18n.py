"""Every word the report prints, in Chinese and English.

One table keyed by message id keeps the two languages side by side, so a new sentence cannot be added to
one language only (a test checks both are complete). The eight criteria keep their Chinese names in both
languages (English adds a gloss), because those names are how the selection process is known.
"""

from __future__ import annotations

from pipeline.config import CRITERIA_ZH

LANGS: tuple[str, ...] = ("zh", "en")

HTML_LANG = {"zh": "zh-CN", "en": "en"}

CRITERIA_EN: dict[str, str] = {
    "performance": "performance",
    "speed": "speed",
    "dimension": "vector dimension",
    "fit": "fit for the task",
    "training": "training data and method",
    "scalability": "scalability",
    "compatibility": "compatibility",
    "community": "community and support",
}

TEXT: dict[str, dict[str, str]] = {
    # Page
    "title": {"zh": "Embedding Radar 周报：{week}", "en": "Embedding Radar weekly report: {week}"},
    "subtitle": {
        "zh": "Hugging Face Hub 与 C-MTEB 上的中文文本向量模型，{start} 至 {end}（UTC）。",
        "en": "Chinese text-embedding models on the Hugging Face Hub and C-MTEB, {start} to {end} (UTC).",
    },
    "lang_link": {"zh": "中文版", "en": "English version"},
    "no_data": {"zh": "暂无数据", "en": "No data"},
    "nodata_missing": {
        "zh": "暂无数据：数据表 {table} 尚不存在（生成它的流程还没有运行）。",
        "en": "No data: the table {table} does not exist yet (the flow that writes it has not run).",
    },
    "nodata_schema": {
        "zh": "暂无数据：数据表 {table} 缺少列 {detail}（仓库结构较旧）。",
        "en": "No data: the table {table} lacks the columns {detail} (an older warehouse schema).",
    },
    "nodata_empty": {
        "zh": "暂无数据：数据表 {table} 在 {end} 及之前没有记录。",
        "en": "No data: the table {table} has no rows dated on or before {end}.",
    },
    "nodata_protocol": {
        "zh": "暂无数据：配置的评测协议 {protocol} 没有记录（已存储：{detail}）。",
        "en": "No data: nothing stored for the configured protocol {protocol} (stored: {detail}).",
    },
    # Highlights
    "h_highlights": {"zh": "本周要点", "en": "Highlights"},
    "hl_leader": {"zh": "{profile} 方案第一名：{model}（{change}）。", "en": "#1 in the {profile} profile: {model} ({change})."},
    "hl_growth": {"zh": "下载增长最快：{model}（环比 {growth}）。", "en": "Fastest download growth: {model} ({growth} week over week)."},
    "hl_new": {"zh": "本周新出现 {n} 个模型。", "en": "Models seen for the first time this week: {n}."},
    "hl_licence": {
        "zh": "许可证提醒：{profile} 方案前 {top} 名中有 {n} 个模型不能确认可商用：{models}。",
        "en": "Licence alert: {n} of the top {top} in the {profile} profile are not known to allow commercial use: {models}.",
    },
    "hl_smoke": {"zh": "冒烟测试：{summary}。", "en": "Smoke tests: {summary}."},
    "list_sep": {"zh": "，", "en": ", "},
    "enum_sep": {"zh": "、", "en": ", "},
    "count_passed": {"zh": "{n} 个通过", "en": "{n} passed"},
    "count_failed": {"zh": "{n} 个失败", "en": "{n} failed"},
    "count_unavailable": {"zh": "{n} 个无法获取权重", "en": "{n} not available"},
    "count_total": {"zh": "共 {n} 个模型（{items}）", "en": "{n} models ({items})"},
    "count_refused": {"zh": "{n} 个拒绝加载", "en": "{n} refused"},
    "count_skipped": {"zh": "{n} 个跳过", "en": "{n} skipped"},
    "hl_anomalies": {"zh": "{n} 个模型的下载量被标记为异常。", "en": "Models with flagged download anomalies: {n}."},
    "unchanged": {"zh": "排名未变", "en": "unchanged"},
    "was_rank": {"zh": "上周第 {rank} 名", "en": "was #{rank}"},
    "newly_ranked": {"zh": "新上榜", "en": "newly ranked"},
    # Headline
    "h_headline": {"zh": "综合排名：各方案前 {n} 名", "en": "Headline: the top {n} per profile"},
    "headline_intro": {
        "zh": "排名日期 {as_of}。质量优先的方案先按 C-MTEB 质量（方案所重视的任务类型）分档排序，同档内再比较八项选型标准的加权得分（0–1）。每个模型系列只列一行，其他尺寸列在旁边。",
        "en": "Ranked on {as_of}. Quality-first profiles order models by C-MTEB quality (the task types the profile weighs) in bands; within a band the weighted total of the eight criteria (0–1) decides. One row per model series, its other sizes beside it.",
    },
    "profile_heading": {"zh": "{profile} 方案：{description}（共 {n} 个模型参与排名）", "en": "Profile {profile}: {description} (ranked: {n})"},
    "col_rank": {"zh": "排名", "en": "Rank"},
    "col_change": {"zh": "变化", "en": "Δ"},
    "col_model": {"zh": "模型", "en": "Model"},
    "col_score": {"zh": "得分", "en": "Score"},
    "col_tie": {"zh": "并列组", "en": "Tie group"},
    "col_quality": {"zh": "质量", "en": "Quality"},
    "col_sizes": {"zh": "其他尺寸", "en": "Other sizes"},
    "col_licence": {"zh": "许可证", "en": "Licence"},
    "headline_note": {
        "zh": "变化：与上周排名相比（▲ 上升，▼ 下降）。质量：方案所重视的 C-MTEB 任务类型的加权平均分（0–100）。并列组：得分差异在容差内、无法区分先后的名次范围。★：位于质量、参数量与维度的帕累托前沿。",
        "en": "Δ: change since last week's ranking (▲ up, ▼ down). Quality: the C-MTEB task types the profile weighs, weighted mean (0–100). Tie group: the ranks the scores cannot tell apart. ★: on the Pareto front of quality, parameters and dimension.",
    },
    "tie_range": {"zh": "第 {lo}–{hi} 名", "en": "#{lo}–#{hi}"},
    "rank_new": {"zh": "新", "en": "new"},
    "lic_commercial": {"zh": "可商用", "en": "commercial use OK"},
    "lic_no_commercial": {"zh": "不可商用", "en": "no commercial use"},
    "lic_unknown": {"zh": "商用未知", "en": "commercial use unknown"},
    "col_pareto": {"zh": "帕累托", "en": "Pareto"},
    "not_ranked": {"zh": "未参与排名：{items}。", "en": "Not ranked: {items}."},
    "notrank_family_duplicate": {"zh": "同一家族的副本 {n} 个（由家族中最好的模型代表）", "en": "family copies: {n} (their family's best model stands for them)"},
    "notrank_licence_gate": {"zh": "许可证不允许商用 {n} 个", "en": "licence not commercial: {n}"},
    "notrank_insufficient_data": {"zh": "数据不足 {n} 个", "en": "too little data: {n}"},
    "notrank_not_benchmarked": {"zh": "没有完整的 C-MTEB 结果 {n} 个（质量未知，不参与排名）", "en": "no complete C-MTEB result: {n} (quality unknown, so no place)"},
    "notrank_over_budget": {"zh": "超出方案的参数量上限 {n} 个", "en": "over the profile's size budget: {n}"},
    "h_not_benchmarked": {"zh": "热门但未评测", "en": "Popular, not benchmarked"},
    "not_benchmarked_intro": {
        "zh": "以下模型下载量很高，但没有完整的 C-MTEB 结果，所以不在任何排名中（按 30 天下载量，共 {n} 个，列出前 {k} 个）：",
        "en": "Much downloaded, but without a complete C-MTEB result, so in no ranking ({n} in all by 30-day downloads, first {k} shown):",
    },
    "col_cmteb_tasks": {"zh": "C-MTEB 任务数", "en": "C-MTEB tasks"},
    "col_params": {"zh": "参数量", "en": "Parameters"},
    "profile_balanced": {"zh": "全部八项标准，质量优先", "en": "all eight criteria, quality first"},
    "profile_rag": {"zh": "检索增强生成：检索与重排序质量优先", "en": "retrieval-augmented generation: retrieval and reranking first"},
    "profile_cpu-edge": {"zh": "面向 CPU 与边缘设备：小、快、低维", "en": "CPUs and edge devices: small, fast, low dimension"},
    "profile_commercial": {"zh": "许可证必须允许商用，其余同 balanced", "en": "licence must allow commercial use; otherwise balanced"},
    # Movers
    "h_movers": {"zh": "下载动向", "en": "Movers"},
    "movers_intro": {
        "zh": "下载量来自我们自己的快照（累计下载量之差），截至 {as_of}。",
        "en": "Downloads come from our own snapshots (differences of all-time downloads), as of {as_of}.",
    },
    "h_growth": {"zh": "下载增长最快（本周下载 ≥ {min}）", "en": "Biggest download growth (at least {min} downloads this week)"},
    "h_new": {"zh": "新出现的模型：本周首次出现 {n} 个", "en": "New entrants (first seen this week): {n}"},
    "h_fading": {"zh": "热度下降", "en": "Fading"},
    "h_anomalies": {"zh": "异常标记（不计入增长排行）", "en": "Anomalies flagged (left out of the growth list)"},
    "col_downloads_7d": {"zh": "7 天下载", "en": "Downloads (7 d)"},
    "col_downloads_28d": {"zh": "28 天下载", "en": "Downloads (28 d)"},
    "col_downloads_30d": {"zh": "30 天下载", "en": "Downloads (30 d)"},
    "col_wow": {"zh": "环比", "en": "Week over week"},
    "col_momentum": {"zh": "走势", "en": "Momentum"},
    "col_dl_rank": {"zh": "下载排名", "en": "Download rank"},
    "col_first_seen": {"zh": "首次出现", "en": "First seen"},
    "col_flag": {"zh": "标记", "en": "Flag"},
    "none_this_week": {"zh": "本周没有。", "en": "None this week."},
    "momentum_new": {"zh": "新", "en": "new"},
    "momentum_rising": {"zh": "上升", "en": "rising"},
    "momentum_steady": {"zh": "平稳", "en": "steady"},
    "momentum_cooling": {"zh": "降温", "en": "cooling"},
    "momentum_fading": {"zh": "衰退", "en": "fading"},
    "anomaly_spike": {"zh": "突增（稳健 z 分数）", "en": "spike (robust z-score)"},
    "anomaly_negative_diff": {"zh": "累计下载量减少（计数重置？）", "en": "all-time count went down (reset?)"},
    # Leaderboard
    "h_board": {"zh": "C-MTEB 排行榜（{protocol} 协议）", "en": "C-MTEB leaderboard ({protocol} protocol)"},
    "board_intro": {
        "zh": "快照 {date}：榜上 {n} 个模型，其中 {full} 个有完整的 Mean (Task)。",
        "en": "Snapshot {date}: models on the board: {n}, with a full Mean (Task): {full}.",
    },
    "board_compared": {"zh": "与 {date} 的快照比较。", "en": "Compared with the snapshot of {date}."},
    "board_first": {"zh": "这是第一次 C-MTEB 快照，没有可比较的上一期。", "en": "This is the first C-MTEB snapshot: nothing to compare with."},
    "board_stale": {
        "zh": "本周没有新的 C-MTEB 快照；以下为 {date} 的最新数据，不列新结果与名次变化。",
        "en": "No new C-MTEB snapshot this week; the latest, from {date}, is shown without new results or rank moves.",
    },
    "h_board_top": {"zh": "Borda 排名前 {n}", "en": "Top {n} by Borda rank"},
    "h_new_results": {"zh": "新的评测结果", "en": "New results"},
    "h_rank_moves": {"zh": "名次变化", "en": "Rank moves"},
    "h_gaps": {"zh": "覆盖缺口", "en": "Coverage gaps"},
    "gap_popular": {
        "zh": "Hub 上受欢迎但从未在 C-MTEB 上评测过的模型（本身和同一家族都没有结果）：共 {n} 个（按 30 天下载排序，列出前 {k} 个）。",
        "en": "Popular on the Hub but never evaluated on C-MTEB (neither the model nor its family): {n} (by 30-day downloads, first {k} shown).",
    },
    "gap_unknown": {
        "zh": "有评测结果但在 Hub 快照中找不到的模型：共 {n} 个（列出前 {k} 个）。",
        "en": "Evaluated but unknown on the Hub: {n} (first {k} shown).",
    },
    "col_borda": {"zh": "Borda 排名", "en": "Borda rank"},
    "col_mean_task": {"zh": "Mean (Task)", "en": "Mean (Task)"},
    "col_mean_type": {"zh": "Mean (TaskType)", "en": "Mean (TaskType)"},
    "col_tasks": {"zh": "任务数", "en": "Tasks"},
    "col_what_changed": {"zh": "变化内容", "en": "What changed"},
    "chg_new_model": {"zh": "新模型", "en": "new model"},
    "chg_new_results": {"zh": "新任务结果 {n} 个", "en": "new task results: {n}"},
    "chg_changed_results": {"zh": "结果有变 {n} 个", "en": "changed results: {n}"},
    "chg_mean_gained": {"zh": "首次有完整均分", "en": "full mean for the first time"},
    "col_prev_rank": {"zh": "上期排名", "en": "Previous rank"},
    "col_mteb_name": {"zh": "MTEB 模型名", "en": "MTEB model name"},
    "type_retrieval": {"zh": "检索", "en": "Retrieval"},
    "type_reranking": {"zh": "重排序", "en": "Reranking"},
    "type_pair_classification": {"zh": "句对分类", "en": "Pair classification"},
    "type_classification": {"zh": "分类", "en": "Classification"},
    "type_clustering": {"zh": "聚类", "en": "Clustering"},
    "type_sts": {"zh": "语义相似度", "en": "STS"},
    "protocol_leaderboard": {
        "zh": "leaderboard：与 MTEB 排行榜完全一致（31 个任务，缺任何一项则均分为空，Borda 排名）",
        "en": "leaderboard: exactly the MTEB leaderboard (31 tasks, a mean is empty if any task is missing, Borda rank)",
    },
    "protocol_cpack2023": {
        "zh": "cpack2023：原始 C-MTEB（C-Pack 2023）协议，35 个数据集",
        "en": "cpack2023: the original C-MTEB (C-Pack, 2023) protocol over 35 datasets",
    },
    "protocol_lenient": {
        "zh": "lenient：31 个任务，接受已记录的旧版缺口（如缺少 MultilingualSentiment 测试集），每次回退都有标记",
        "en": "lenient: the 31 tasks, accepting documented legacy gaps (e.g. a missing MultilingualSentiment test split), each fallback flagged",
    },
    # Smoke
    "h_smoke": {"zh": "冒烟测试（本地实际加载）", "en": "Smoke tests (really loaded locally)"},
    "smoke_intro": {
        "zh": "每个模型截至 {end} 的最近一次测试：{summary}。速度与内存在同一台机器上测得，可以相互比较。",
        "en": "The latest test of each model up to {end}: {summary}. Speed and memory were measured on one machine, so they compare.",
    },
    "smoke_setup": {"zh": "测试环境：{setup}。", "en": "Measured on: {setup}."},
    "h_unavailable": {"zh": "无法从此端点获取权重（{n} 个）", "en": "Not available from this endpoint ({n})"},
    "unavailable_intro": {
        "zh": "这些仓库的权重无法从本次使用的 Hub 端点下载（只有元数据、受限仓库或文件缺失），因此没有测试：这与模型本身好坏无关，不计为失败，也不影响兼容性得分。",
        "en": "Their weights could not be downloaded from the Hub endpoint used (metadata only, gated, or files missing), so they were not tested: this says nothing about the models, is never counted as a failure and does not lower compatibility.",
    },
    "col_snapshot": {"zh": "快照日期", "en": "Snapshot"},
    "col_status": {"zh": "状态", "en": "Status"},
    "col_sps": {"zh": "句/秒", "en": "Sentences/s"},
    "col_load": {"zh": "加载秒数", "en": "Load (s)"},
    "col_rss": {"zh": "峰值内存 MB", "en": "Peak RSS (MB)"},
    "col_dim": {"zh": "维度", "en": "Dim"},
    "col_unk": {"zh": "UNK 比例", "en": "UNK rate"},
    "col_reason": {"zh": "原因", "en": "Reason"},
    "col_detail": {"zh": "详情", "en": "Detail"},
    "status_passed": {"zh": "通过", "en": "passed"},
    "status_failed": {"zh": "失败", "en": "failed"},
    "status_unavailable": {"zh": "无法获取", "en": "not available"},
    "status_refused": {"zh": "拒绝加载", "en": "refused"},
    "status_skipped": {"zh": "跳过", "en": "skipped"},
    "failure_check_failed": {"zh": "检查未通过", "en": "a check failed"},
    "failure_load_error": {"zh": "无法加载", "en": "could not be loaded"},
    "failure_no_weights": {"zh": "此端点不提供权重文件", "en": "this endpoint serves no weight file"},
    "failure_gated": {"zh": "受限仓库，没有获准访问的令牌", "en": "gated, no token with access"},
    "failure_files_missing": {"zh": "此端点缺少所列文件", "en": "listed files not served by this endpoint"},
    "failure_disabled": {"zh": "仓库已被 Hub 停用", "en": "disabled on the Hub"},
    "failure_hang": {"zh": "超时被终止", "en": "hung and was killed"},
    "failure_oom": {"zh": "内存超限被终止", "en": "out of memory, killed"},
    "failure_crash": {"zh": "进程崩溃", "en": "the worker crashed"},
    "failure_remote_code_refused": {"zh": "需要远程代码，已拒绝", "en": "needs remote code, refused"},
    "failure_pickle_refused": {"zh": "只有 pickle 权重，已拒绝", "en": "pickle-only weights, refused"},
    "failure_invalid_repo": {"zh": "仓库名或文件名不安全", "en": "unsafe repository or file name"},
    "failure_download_error": {"zh": "下载失败", "en": "download failed"},
    "failure_not_found": {"zh": "Hub 上已不存在", "en": "no longer on the Hub"},
    "failure_too_large": {"zh": "超过单模型下载上限", "en": "larger than the per-model download limit"},
    "failure_run_budget": {"zh": "本次运行的下载预算已用完", "en": "the run's download budget was used up"},
    "failed_checks": {"zh": "未通过的检查：{checks}", "en": "failed checks: {checks}"},
    # Compare
    "h_compare": {"zh": "前 5 名八项标准对比（{profile} 方案）", "en": "Top 5 side by side across the eight criteria ({profile} profile)"},
    "col_criterion": {"zh": "标准", "en": "Criterion"},
    "col_weight": {"zh": "权重", "en": "Weight"},
    "row_total": {"zh": "综合得分", "en": "Total score"},
    "unknown": {"zh": "未知", "en": "unknown"},
    "compare_note": {
        "zh": "各项得分为 0–1，按固定锚点换算（见 docs/criteria.md）；括号内为原始值；≈ 表示估算值。“未知”不按 0 分计算（缺失数据策略：{policy}）。",
        "en": "Scores are 0–1 on fixed anchors (docs/criteria.md); raw values in brackets; ≈ marks an estimate. 'unknown' is never scored as zero (missing-data policy: {policy}).",
    },
    # Method
    "h_method": {"zh": "方法与数据来源", "en": "Method and sources"},
    "m_week": {"zh": "报告周：{week}（{start} 至 {end}，UTC）；每一部分使用该周日及之前的最新数据。", "en": "Week: {week} ({start} to {end}, UTC); each section uses the latest data dated on or before that Sunday."},
    "m_hub": {"zh": "Hub 快照：{date}，来源 {source}（{kind}）。", "en": "Hub snapshot: {date}, from {source} ({kind})."},
    "kind_hub": {"zh": "Hugging Face Hub", "en": "the Hugging Face Hub"},
    "kind_mirror": {"zh": "镜像站", "en": "a mirror"},
    "kind_replay": {"zh": "回放 Hub，自述含合成数据", "en": "the replay Hub, which declares synthetic data"},
    "kind_unknown": {"zh": "来源类型未记录", "en": "kind of source not recorded"},
    # Provenance: the banner on the first screen and its line in the method section
    "banner_synthetic": {
        "zh": "⚠ 合成数据：本报告中的{fields}来自{source}（演示数据），并非真实的 Hugging Face Hub；"
              "基于它们的下载趋势、社区指标和综合排名同样不是真实数据（Hub 快照 {first} 至 {last}）。",
        "en": "⚠ Synthetic data: the {fields} in this report come from the {source} (demo data), not from the real "
              "Hugging Face Hub, and so are the download trends, the community criterion and the rankings built on "
              "them (Hub snapshots {first} to {last}).",
    },
    "banner_rules": {"zh": "以下字段按规则生成而非观测：{fields}。", "en": " Assigned by rule, not observed: {fields}."},
    "source_replay": {"zh": "回放 Hub", "en": "replay Hub"},
    "field_downloads_30d": {"zh": "下载量", "en": "downloads"},
    "field_downloads_all_time": {"zh": "累计下载量", "en": "all-time downloads"},
    "field_likes": {"zh": "点赞数", "en": "likes"},
    "field_trending_score": {"zh": "趋势分数", "en": "trending scores"},
    "field_tags": {"zh": "部分标签", "en": "some tags"},
    "field_pipeline_tag": {"zh": "任务类型", "en": "pipeline tags"},
    "field_library_name": {"zh": "所用库", "en": "library names"},
    "field_last_modified": {"zh": "最后修改时间", "en": "last-modified dates"},
    "field_created_at": {"zh": "创建时间", "en": "creation dates"},
    "m_mteb": {"zh": "C-MTEB 快照：{date}，MTEB 结果来源版本 {source}。", "en": "C-MTEB snapshot: {date}, MTEB results source commit {source}."},
    "m_protocol": {"zh": "评测协议：{text}。", "en": "Protocol: {text}."},
    "m_dates": {
        "zh": "下载趋势截至 {trends}；综合排名日期 {rankings}；最近一次冒烟测试 {smoke}。",
        "en": "Download trends as of {trends}; rankings as of {rankings}; latest smoke test {smoke}.",
    },
    "m_weights": {"zh": "本次排名所用的各方案标准权重（占比）：", "en": "Criteria weights per profile in this ranking (share of the total):"},
    "col_profile": {"zh": "方案", "en": "Profile"},
    "m_policy_renormalise": {
        "zh": "缺失数据：去掉未知的标准，其余权重按比例放大（renormalise）。",
        "en": "Missing data: an unknown criterion is dropped and the other weights are rescaled (renormalise).",
    },
    "m_policy_quartile": {
        "zh": "缺失数据：未知的标准取该标准在候选模型中的下四分位分数（quartile）：不按 0 分，也绝不占便宜。",
        "en": "Missing data: an unknown criterion gets the cohort's lower-quartile score of that criterion (quartile): never zero, never an advantage.",
    },
    "m_policy_penalise": {
        "zh": "缺失数据：未知的标准给一个固定的较低分（penalise），不按 0 分计算。",
        "en": "Missing data: an unknown criterion gets a fixed low score (penalise), never zero.",
    },
    "m_estimated": {
        "zh": "估算而非实测的值（{primary} 方案前 {top} 名）：{items}。",
        "en": "Estimated rather than measured (top {top} of the {primary} profile): {items}.",
    },
    "m_measured": {"zh": "{primary} 方案前 {top} 名没有估算值，全部为实测或来源数据。", "en": "Nothing in the top {top} of the {primary} profile is estimated."},
    "m_issues": {"zh": "本周记录的数据质量问题（data_issues）：", "en": "Data-quality issues recorded this week (data_issues):"},
    "m_no_issues": {"zh": "本周没有记录数据质量问题。", "en": "No data-quality issues were recorded this week."},
    "col_source": {"zh": "来源", "en": "Source"},
    "col_action": {"zh": "处理", "en": "Action"},
    "col_count": {"zh": "数量", "en": "Count"},
    "m_reproduce": {
        "zh": "复现：radar report --week {week} --lang {code} 会从数据仓库重新生成完全相同的报告；每个数字都可以用 radar sql 查询，例如：",
        "en": "Reproduce: radar report --week {week} --lang {code} rebuilds this exact report from the warehouse; every number can be queried with radar sql, for example:",
    },
    "unknown_source": {"zh": "未记录", "en": "not recorded"},
    # Charts
    "chart_downloads": {"zh": "排名靠前模型的每周下载量", "en": "Weekly downloads of the top models"},
    "chart_downloads_y": {"zh": "7 天下载量", "en": "Downloads in 7 days"},
    "chart_downloads_x": {"zh": "日期", "en": "Date"},
    "chart_anomaly": {"zh": "异常", "en": "anomaly"},
    "chart_quality": {"zh": "质量与模型大小（{profile} 方案，突出帕累托前沿）", "en": "Quality against model size ({profile} profile), Pareto front highlighted"},
    "chart_quality_x": {"zh": "参数量（对数刻度）", "en": "Parameters (log scale)"},
    "chart_quality_y": {"zh": "质量（按方案加权的 C-MTEB 类型均分）", "en": "Quality (profile-weighted C-MTEB type mean)"},
    "chart_pareto": {"zh": "帕累托前沿", "en": "Pareto front"},
    "chart_others": {"zh": "其他模型", "en": "Other models"},
    "chart_bump": {"zh": "{profile} 方案的每周排名", "en": "Weekly rank in the {profile} profile"},
    "chart_bump_y": {"zh": "排名", "en": "Rank"},
    "chart_bump_x": {"zh": "周", "en": "Week"},
    "chart_types": {"zh": "排名靠前模型的各任务类型得分", "en": "Per task type profile of the top models"},
    "chart_types_note": {"zh": "C-MTEB 各类型平均分（0–100）", "en": "C-MTEB per-type mean (0–100)"},
    "chart_caption_downloads": {
        "zh": "主方案前几名模型的 7 天下载量（每周一个点）；红色叉号为被标记的异常点。",
        "en": "Downloads in 7 days of the primary profile's leading models, one point per week; red crosses are flagged anomalies.",
    },
    "chart_caption_quality": {
        "zh": "该方案中质量与参数量已知的已排名模型；点的大小表示向量维度。红色为质量、参数量与维度三者的帕累托前沿：没有别的模型在其中一项更好而另两项不更差。",
        "en": "The profile's ranked models with a known quality and size; marker size shows the vector dimension. Red: the Pareto front over quality, parameters and dimension, where no other model is better on one without being worse on another.",
    },
    "chart_caption_bump": {
        "zh": "本周前 {n} 名在过去几周中的排名（1 在最上方）。",
        "en": "This week's top {n} and their ranks over the past weeks (1 at the top).",
    },
    "chart_caption_types": {
        "zh": "六个 C-MTEB 任务类型的平均分；只包含六类得分齐全的模型。",
        "en": "Mean score per C-MTEB task type; only models with all six type scores are shown.",
    },
}


def t(key: str, lang: str, **values: object) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in."""
    try:
        template = TEXT[key][lang]
    except KeyError:
        raise KeyError(f"report text {key!r} has no {lang!r} version") from None
    return template.format(**values) if values else template


def has(key: str) -> bool:
    """Whether ``key`` is a known message (e.g. a momentum label the warehouse may hold)."""
    return key in TEXT


def criterion_label(criterion: str, lang: str) -> str:
    """The criterion's Chinese name; English adds a gloss in brackets."""
    zh = CRITERIA_ZH[criterion]
    return zh if lang == "zh" else f"{zh} ({CRITERIA_EN[criterion]})"
