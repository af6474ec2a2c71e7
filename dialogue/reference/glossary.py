"""Meanings of component options whose ``Config`` field has no ``description`` and no trailing comment.

Prefer a ``Field(description=...)`` on the option itself: the reference reads that first, and
``tests/core/test_reference.py`` fails when an entry here is no longer needed (the field got a
description, or no longer exists) or when an option has no meaning anywhere.
Keys are ``"module:Class.Config.option"``.
"""

from __future__ import annotations

MEANINGS: dict[str, str] = {
    # tfidf_intent
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.word_ngrams": "Word n-gram range of the TF-IDF features.",
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.char_ngrams": "Character n-gram range (within words) of the TF-IDF features.",
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.C": "Inverse regularisation strength of the logistic regression.",
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.class_weight": "`balanced` weighs intents inversely to their example counts; null: equal weights.",
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.calibrate": "Temperature-scale confidences on out-of-fold predictions, so thresholds mean what they say.",
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.ranking_size": "Intents kept in the ranking (the 'did you mean' candidates).",
    "dialogue.nlu.tfidf:TfidfIntentClassifier.Config.seed": "Random seed (same data, config and seed: same model).",
    # joint_bert
    "dialogue.nlu.bert.component:JointBertNLU.Config.batch_size": "Training examples per optimizer step.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.max_epochs": "Passes over the data at most.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.warmup": "Share of the steps with a linearly rising learning rate.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.weight_decay": "AdamW weight decay.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.dropout": "Dropout before the intent and tag heads.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.entity_loss_weight": "Weight of the tagging loss in the joint loss.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.seed": "Random seed (same data, config and seed: same model on one machine).",
    "dialogue.nlu.bert.component:JointBertNLU.Config.ranking_size": "Intents kept in the ranking (the 'did you mean' candidates).",
    "dialogue.nlu.bert.component:JointBertNLU.Config.min_entity_confidence": "Tagged entities below this confidence are dropped.",
    "dialogue.nlu.bert.component:JointBertNLU.Config.inference_batch_size": "Messages encoded together by process_batch.",
    # rules (dialogue manager)
    "dialogue.dm.manager:RuleDialogueManager.Config.handoff_response": "Said when the conversation is handed to a person.",
    "dialogue.dm.manager:RuleDialogueManager.Config.clarify_options": "Most 'did you mean' buttons offered.",
    "dialogue.dm.manager:RuleDialogueManager.Config.clarify_min_confidence": "Intents below this confidence are not offered as buttons.",
    "dialogue.dm.manager:RuleDialogueManager.Config.out_of_scope_intents": "Intents that get out_of_scope_response.",
    "dialogue.dm.manager:RuleDialogueManager.Config.out_of_scope_response": "Said for an out-of-scope message.",
    "dialogue.dm.manager:RuleDialogueManager.Config.restart_intents": "Intents that restart the conversation (besides /restart).",
    "dialogue.dm.manager:RuleDialogueManager.Config.undo_intents": "Intents that undo the last turn (besides /undo).",
    "dialogue.dm.manager:RuleDialogueManager.Config.restart_response": "Said after a restart.",
    "dialogue.dm.manager:RuleDialogueManager.Config.undo_response": "Said after an undo outside a form (in a form, its question is asked again).",
    "dialogue.dm.manager:RuleDialogueManager.Config.nothing_to_undo_response": "Said when there is nothing to undo.",
    # generative realiser and generators
    "dialogue.nlg.realiser:GenerativeRealiser.Config.seed": "Seed for variant choice and sampling (reproducible output).",
    "dialogue.nlg.backends.llama_cpp:LlamaCppGenerator.Config.n_threads": "CPU threads (1 is often faster on a busy shared CPU).",
    "dialogue.nlg.backends.llama_cpp:LlamaCppGenerator.Config.n_ctx": "Context window in tokens.",
    "dialogue.nlg.backends.llama_cpp:LlamaCppGenerator.Config.seed": "Sampling seed.",
    "dialogue.nlg.backends.hf:TransformersGenerator.Config.top_p": "Nucleus sampling: keep the smallest set of tokens with this total probability.",
}
