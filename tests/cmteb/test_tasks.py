"""The task tables in pipeline/cmteb/data: the 31 tasks of MTEB(cmn, v1) and the 35 of C-Pack 2023."""

from collections import Counter

from pipeline.cmteb.tasks import cpack2023, known_tasks, mteb_cmn_v1, task_aliases


def test_mteb_cmn_v1_has_the_31_tasks_with_the_leaderboards_splits_and_metrics():
    tasks = {t.name: t for t in mteb_cmn_v1()}
    assert len(tasks) == 31
    assert Counter(t.type for t in tasks.values()) == {"Retrieval": 8, "Reranking": 4, "PairClassification": 2,
                                                       "Clustering": 4, "STS": 7, "Classification": 6}
    assert tasks["MultilingualSentiment"].splits == ("validation", "test")
    assert tasks["ATEC"].splits == ("test",) and tasks["AFQMC"].splits == ("validation",)
    assert {t.metric for t in tasks.values() if t.type == "Reranking"} == {"map_at_1000"}
    assert tasks["Ocnli"].metric == "max_accuracy" and tasks["LCQMC"].type == "STS"
    assert all(t.subset == "default" for t in tasks.values())


def test_cpack2023_has_35_datasets_scored_the_2023_way():
    tasks = {t.name: t for t in cpack2023()}
    assert len(tasks) == 35
    assert Counter(t.type for t in tasks.values()) == {"Retrieval": 8, "Reranking": 4, "PairClassification": 2,
                                                       "Clustering": 4, "STS": 8, "Classification": 9}
    assert tasks["MultilingualSentiment"].splits == ("validation",)
    assert {t.metric for t in tasks.values() if t.type == "PairClassification"} == {"cosine_ap"}
    assert {t.metric for t in tasks.values() if t.type == "Reranking"} == {"map"}
    assert (tasks["AmazonReviewsClassification"].subset, tasks["MassiveIntentClassification"].subset,
            tasks["MassiveScenarioClassification"].subset, tasks["STS22"].subset) == ("zh", "zh-CN", "zh-CN", "zh")


def test_former_and_miscased_names_resolve_to_the_current_task():
    aliases = task_aliases()
    assert aliases["cmedqav1"] == "CMedQAv1-reranking" and aliases["cmedqav2"] == "CMedQAv2-reranking"
    assert aliases["t2retrieval"] == "T2Retrieval"
    assert "sts22.v2" not in aliases and len(known_tasks()) == 35
