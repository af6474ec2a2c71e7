"""Rasa's ``config.yml`` pipeline → the nearest dialogue NLU components: one table, ``RASA_COMPONENTS``.

Change a mapping here (say, when a better default classifier arrives) and every import follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogue.domain.schema.pipeline import PipelineSpec
from dialogue.importers.rasa.report import Report


@dataclass(frozen=True)
class Mapping:
    role: str  #: "classifier", "extractor", "post" (after the classifier), "implied" (nothing to add), "none"
    use: str | None  #: the dialogue component, if any
    why: str  #: said in the report


CLASSIFIER_TEXT = "intents (and, for DIET/CRF, entities) are learnt by one dialogue classifier"

#: Rasa component name → the nearest dialogue component
RASA_COMPONENTS: dict[str, Mapping] = {
    # tokenisers and featurisers: each dialogue classifier brings its own
    **{name: Mapping("implied", None, "tokenising and features are built into the dialogue classifier")
       for name in ("WhitespaceTokenizer", "SpacyTokenizer", "JiebaTokenizer", "MitieTokenizer", "SpacyNLP",
                    "MitieNLP", "CountVectorsFeaturizer", "LexicalSyntacticFeaturizer", "ConveRTFeaturizer",
                    "LanguageModelFeaturizer", "SpacyFeaturizer", "MitieFeaturizer", "RegexFeaturizer")},
    # classifiers
    "DIETClassifier": Mapping("classifier", "joint_bert", "a fine-tuned transformer that learns intents and "
                              "entities together, like DIET (needs dialogue[bert])"),
    "LogisticRegressionClassifier": Mapping("classifier", "tfidf_intent", "TF-IDF n-grams into logistic regression"),
    "SklearnIntentClassifier": Mapping("classifier", "tfidf_intent", "TF-IDF n-grams into logistic regression"),
    "KeywordIntentClassifier": Mapping("classifier", "tfidf_intent", "keywords are learnt as n-grams by TF-IDF"),
    "MitieIntentClassifier": Mapping("classifier", "tfidf_intent", "no MITIE here; TF-IDF is the light equivalent"),
    # entity extractors
    "CRFEntityExtractor": Mapping("classifier", "joint_bert", "its BIO tagger learns entities from the annotated "
                                  "examples, as the CRF did (needs dialogue[bert])"),
    "MitieEntityExtractor": Mapping("classifier", "joint_bert", "its tagger learns entities from the examples"),
    "RegexEntityExtractor": Mapping("extractor", "regex_entities", "regex: items of nlu.yml"),
    "SpacyEntityExtractor": Mapping("extractor", "spacy_entities", "spaCy NER (dimensions become labels:)"),
    "DucklingEntityExtractor": Mapping("extractor", "spacy_entities", "no Duckling server here; spaCy's DATE, TIME "
                                       "and number labels are the nearest (approximated)"),
    "EntitySynonymMapper": Mapping("post", "synonyms", "synonym: items of nlu.yml"),
    "FallbackClassifier": Mapping("post", "fallback", "threshold and ambiguity_threshold kept"),
    "ResponseSelector": Mapping("none", None, "retrieval intents (faq/x) have no equivalent; each sub-intent would "
                                "need to become an intent with its own rule"),
}

#: what Rasa trains when ``pipeline:`` is empty or null (its default pipeline)
RASA_DEFAULT = ["WhitespaceTokenizer", "RegexFeaturizer", "LexicalSyntacticFeaturizer", "CountVectorsFeaturizer",
                "DIETClassifier", "EntitySynonymMapper", "ResponseSelector",
                {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1}]


def convert_pipeline(config: dict[str, Any], report: Report, has_lookups: bool) -> tuple[dict[str, Any], float | None]:
    """The ``pipeline:`` section to write (empty: dialogue's default) and the fallback threshold for settings."""
    items = config.get("pipeline")
    threshold: float | None = None
    if not items:
        # Rasa's own default pipeline has no equivalent choice to make: dialogue's default is the nearest
        report.add("pipeline", "config.yml: pipeline: null", "Rasa's default pipeline (DIET) becomes dialogue's "
                   "default NLU pipeline (the few-shot sentence classifier, regex/lookup entities, pleasantries, "
                   "multiple requests, negated requests, synonyms, fallback at 0.3, as Rasa's default "
                   "FallbackClassifier).",
                   "approximated")
        return {}, 0.3
    classifier: str | None = None
    extractors: list[dict[str, Any]] = []
    post: list[dict[str, Any]] = []
    for item in items:
        name, params = (item, {}) if isinstance(item, str) else (str(item.get("name")), dict(item))
        params.pop("name", None)
        mapping = RASA_COMPONENTS.get(name)
        where = f"config.yml: {name}"
        if mapping is None:
            report.add("pipeline", where, "unknown component (a custom one?): not converted; write a dialogue NLU "
                       "plugin if it matters (docs: plugins/README.md).")
            continue
        if mapping.role == "implied" or mapping.role == "none":
            if mapping.role == "none":
                report.add("pipeline", where, mapping.why)
            continue
        if mapping.role == "classifier":
            chosen = "joint_bert" if "joint_bert" in (classifier, mapping.use) else mapping.use
            if params and name in ("DIETClassifier", "CRFEntityExtractor"):
                report.add("pipeline", where, f"options {', '.join(sorted(params))} not carried over; "
                           f"{chosen} has its own (docs/reference.md).", "approximated")
            classifier = chosen
            report.add("pipeline", where, f"→ {mapping.use}: {mapping.why}.", "approximated")
        elif mapping.role == "extractor":
            spec: dict[str, Any] = {"use": mapping.use}
            extractors.append(spec)
            if name == "RegexEntityExtractor" and params.get("use_lookup_tables", True) and has_lookups:
                extractors.append({"use": "lookup_entities"})
            if name == "DucklingEntityExtractor":
                report.add("pipeline", where, f"→ spacy_entities: {mapping.why}.", "approximated")
        elif name == "FallbackClassifier":
            threshold = float(params.get("threshold", 0.3))
            spec = {"use": "fallback", "threshold": threshold}
            if "ambiguity_threshold" in params:
                spec["ambiguity_threshold"] = float(params["ambiguity_threshold"])
            post.append(spec)
        else:
            post.append({"use": mapping.use})
    if classifier is None:
        classifier = "tfidf_intent"
        report.add("pipeline", "config.yml: pipeline", "no intent classifier in the Rasa pipeline; tfidf_intent "
                   "added, since every dialogue domain needs one.", "approximated")
    if has_lookups and not any(s["use"] == "lookup_entities" for s in extractors):
        extractors.append({"use": "lookup_entities"})  # lookup tables fed Rasa's featurisers; here they find entities
    report.add("pipeline", "config.yml: pipeline", "pleasantries, multiple_requests, negated_requests and past_requests "
               "added after the classifier (no Rasa equivalent): a request wrapped in a greeting is read as the request, "
               "a second question in a message is answered too, and neither \"don't cancel my order\" nor \"why did "
               "you cancel my order?\" starts a cancellation (docs/nlu.md).", "approximated")
    nlu = [*extractors, {"use": classifier}, {"use": "pleasantries"}, {"use": "multiple_requests"},
           {"use": "negated_requests"}, {"use": "past_requests"},
           *[p for p in post if p["use"] == "synonyms"],
           *([{"use": "entity_conflicts"}] if len(extractors) + (classifier == "joint_bert") > 1 else []),
           *[p for p in post if p["use"] != "synonyms"]]
    simple = [s["use"] if set(s) == {"use"} else s for s in nlu]
    PipelineSpec.model_validate({"nlu": simple})  # a mapping table mistake must not write an invalid domain
    return {"nlu": simple}, threshold


def convert_policies(config: dict[str, Any], report: Report) -> None:
    for item in config.get("policies") or []:
        name = item if isinstance(item, str) else str(item.get("name"))
        if name in ("RulePolicy", "MemoizationPolicy", "AugmentedMemoizationPolicy"):
            continue
        report.add("pipeline", f"config.yml: policies: {name}", "learnt dialogue policies have no equivalent: the "
                   "dialogue manager runs the converted rules (stories became rules where they could).", "approximated")
