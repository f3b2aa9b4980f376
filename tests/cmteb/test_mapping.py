"""MTEB names -> Hub ids (exact, org__name, case, renamed) and families."""

from pipeline.cmteb.mapping import HubMatch, families, map_to_hub

HUB = {"BAAI/bge-m3": "BAAI/bge-m3", "BAAI/bge-large-zh-v1.5": "BAAI/bge-large-zh-v1.5",
       "someone/bge-large-zh-v1.5-gguf": "BAAI/bge-large-zh-v1.5", "mongodb/voyage-3": "mongodb/voyage-3",
       "Org/Mixed-Case": "Org/Mixed-Case", "x/dup": "x/dup", "X/Dup": "X/Dup",
       "deepvk/USER-bge-m3": "BAAI/bge-m3"}


def test_each_way_of_matching_a_name():
    names = ["BAAI/bge-m3", "BAAI__bge-large-zh-v1.5", "org/mixed-case", "voyageai/voyage-3",
             "openai/text-embedding-3-large", "x/DUP"]
    got = map_to_hub(names, HUB)
    assert got == {
        "BAAI/bge-m3": HubMatch("BAAI/bge-m3", "exact"),
        "BAAI__bge-large-zh-v1.5": HubMatch("BAAI/bge-large-zh-v1.5", "org__name"),
        "org/mixed-case": HubMatch("Org/Mixed-Case", "case"),
        "voyageai/voyage-3": HubMatch("mongodb/voyage-3", "renamed"),
        "openai/text-embedding-3-large": HubMatch(None, None),
        "x/DUP": HubMatch(None, None),  # two Hub ids differ only by case: no guess
    }


def test_a_rename_to_a_differently_cased_id_still_matches():
    got = map_to_hub(["old/Name"], {"new/name": "new/name"}, renamed={"old/Name": "New/Name"})
    assert got["old/Name"] == HubMatch("new/name", "renamed")


def test_families_come_from_the_hub_then_from_adapted_from():
    names = ["BAAI/bge-m3", "deepvk/USER-bge-m3", "acme/private-tune", "acme/orphan", "openai/text-embedding-3-large"]
    matches = map_to_hub(names, HUB)
    adapted = {"acme/private-tune": "deepvk/USER-bge-m3", "acme/orphan": "acme/unknown-base"}
    fam = families(matches, HUB, adapted)
    assert fam == {"BAAI/bge-m3": "BAAI/bge-m3", "deepvk/USER-bge-m3": "BAAI/bge-m3",
                   "acme/private-tune": "BAAI/bge-m3", "acme/orphan": "acme/orphan",
                   "openai/text-embedding-3-large": "openai/text-embedding-3-large"}
