"""The one table of built-in component names → ``"module:attr"``, imported only on use."""

from __future__ import annotations

BUILTINS: dict[str, dict[str, str]] = {
    "nlu": {
        "tfidf_intent": "dialogue.nlu.tfidf:TfidfIntentClassifier",
        "sentence_intent": "dialogue.nlu.sentence.component:SentenceIntentClassifier",
        "joint_bert": "dialogue.nlu.bert.component:JointBertNLU",
        "regex_entities": "dialogue.nlu.extractors.regex:RegexEntityExtractor",
        "lookup_entities": "dialogue.nlu.extractors.lookup:LookupEntityExtractor",
        "spacy_entities": "dialogue.nlu.extractors.spacy_ner:SpacyEntityExtractor",
        "synonyms": "dialogue.nlu.synonyms:SynonymMapper",
        "entity_conflicts": "dialogue.nlu.conflicts:EntityConflictResolver",
        "pleasantries": "dialogue.nlu.pleasantries:Pleasantries",
        "negated_requests": "dialogue.nlu.negated_requests:NegatedRequests",
        "past_requests": "dialogue.nlu.past_requests:PastRequests",
        "multiple_requests": "dialogue.nlu.multiple_requests:MultipleRequests",
        "fallback": "dialogue.nlu.fallback:FallbackClassifier",
    },
    "dm": {
        "rules": "dialogue.dm.manager:RuleDialogueManager",
    },
    "nlg": {
        "templates": "dialogue.nlg.templates:TemplateRealiser",
        "generative": "dialogue.nlg.realiser:GenerativeRealiser",
    },
    "generator": {
        "llama_cpp": "dialogue.nlg.backends.llama_cpp:LlamaCppGenerator",
        "transformers": "dialogue.nlg.backends.hf:TransformersGenerator",
    },
    "store": {
        "sqlite": "dialogue.stores.sqlite:SQLiteStore",
        "redis": "dialogue.stores.redis:RedisStore",
        "postgres": "dialogue.stores.postgres:PostgresStore",
        "memory": "dialogue.stores.memory:MemoryStore",
    },
    # load-time checks a component adds to every domain: (domain, origin) -> list[Problem]
    "check": {
        "rule_logic": "dialogue.dm.analysis:check_rule_logic",
        "templates": "dialogue.nlg.checks:check_templates",
        "knowledge": "dialogue.knowledge.documents:check_knowledge",
    },
    # message buses, by the name or URL scheme a --bus value starts with: (spec, **options) -> Bus
    "bus": {
        "memory": "dialogue.bus.memory:InProcessBus",
        "redis": "dialogue.bus.redis:RedisStreamsBus",
        "rediss": "dialogue.bus.redis:RedisStreamsBus",
        "unix": "dialogue.bus.redis:RedisStreamsBus",
    },
    "subscriber": {
        "log_turns": "dialogue.subscribers:TurnLogger",
    },
}
