"""``joint_bert``: one fine-tuned BERT encoder giving the intent ranking and the entities.

Trained from the domain's examples (``Trainable``), stored under the domain's model folder
by content hash, optionally int8-quantised for inference. See docs/nlu.md for the recipe.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from dialogue.domain.examples import TrainingData
from dialogue.domain.model import Domain
from dialogue.messages import Entity, ParsedMessage
from dialogue.nlu.base import RANKING_SIZE, NotTrainedError, content_hash, ranking_from_scores, readability
from dialogue.nlu.spelling import SpellingCorrector, corrector, encoder_words, word_counts
from dialogue.precision import PRECISION_PATTERN
from dialogue.protocols import ComponentConfig

VERSION = 1
#: config keys that change only inference, never the trained weights (left out of the fingerprint)
INFERENCE_ONLY = ("quantize", "threads", "train_threads", "ranking_size", "min_entity_confidence", "inference_batch_size",
                  "entity_types", "device", "constrained_decoding", "similarity", "neighbours",
                  "intent_entity_mask")


#: metadata key: cosine similarity of the message to the closest intent's training examples
SIMILARITY_KEY = "nlu_similarity"


class JointBertNLU:
    class Config(ComponentConfig):
        model: str | None = Field(None, description="BERT-family checkpoint folder (default: packaged MiniLM-L6).")
        max_len: int = Field(64, ge=8, le=512, description="Sub-tokens kept per message.")
        batch_size: int = Field(32, ge=1)
        epochs: int | None = Field(None, ge=1, description="Fixed epoch count; default: from target_steps.")
        target_steps: int = Field(200, ge=1, description="Optimizer steps aimed for when epochs is not set.")
        min_epochs: int = Field(8, ge=1, description="Passes over the data at least (large data sets).")
        max_epochs: int = Field(40, ge=1)
        lr: float = Field(1e-4, gt=0, description="Encoder learning rate.")
        head_lr: float = Field(2e-3, gt=0, description="Learning rate of the intent and tag heads.")
        warmup: float = Field(0.1, ge=0, lt=1)
        weight_decay: float = 0.01
        dropout: float = Field(0.1, ge=0, lt=1)
        entity_loss_weight: float = Field(1.0, ge=0)
        holdout: float = Field(0.1, ge=0, lt=0.5, description="Share held out for early stopping and calibration.")
        holdout_max: int = Field(300, ge=0, description="Cap on held-out examples (large data sets).")
        patience: int = Field(3, ge=1, description="Epochs without held-out improvement before stopping.")
        balance: bool = Field(True, description="Oversample intents below the median count.")
        augment: float = Field(0.3, ge=0, le=1, description="Probability of swapping an example's entity values.")
        freeze_embeddings: bool = Field(True, description="Keep word embeddings fixed (faster, few-shot friendly).")
        freeze_layers: int = Field(0, ge=0, description="Lower encoder layers kept fixed.")
        seed: int = 0
        quantize: bool = Field(False, description="Dynamic int8 quantisation of Linear layers at inference.")
        threads: int = Field(1, ge=1, description="torch threads at inference (1 is fastest for single short messages).")
        train_threads: int | None = Field(None, ge=1, description="torch threads for training; default: idle cores, max 4.")
        precision: str = Field("auto", pattern=PRECISION_PATTERN,
                               description="Training arithmetic: bf16 autocast (auto: where the hardware has it) or fp32.")
        device: str = Field("cpu", pattern=r"^(cpu|auto|cuda(:\d+)?)$",
                            description="Where to train: cpu, cuda[:n], or auto (a GPU if torch sees one). Inference runs on the CPU.")
        ranking_size: int = Field(RANKING_SIZE, ge=1)
        min_entity_confidence: float = Field(0.0, ge=0, le=1)
        entity_types: list[str] | None = Field(
            None, description="Report only these entity types (None: all it learned; []: intents only, "
            "leaving entities to the rule extractors)."
        )
        inference_batch_size: int = Field(64, ge=1)
        similarity: str = Field(
            "nearest", pattern=r"^(nearest|prototype)$",
            description="metadata['nlu_similarity']: cosine to the nearest training examples, or to the closest intent's mean.",
        )
        neighbours: int = Field(3, ge=1, description="With similarity: nearest, the mean over this many closest examples.")
        intent_entity_mask: bool = Field(
            False, description="Tag only entity types seen with the predicted intent in training."
        )
        constrained_decoding: bool = Field(
            True, description="Read entity tags as the best valid BIO sequence (Viterbi) rather than word by word."
        )
        spelling: bool = Field(
            False, description="Correct a word that is neither in the examples nor a real English word to the one "
            "example word a typo away (dialogue/nlu/spelling.py); intents only, so it needs entity_types: [].",
        )

        @model_validator(mode="after")
        def _spelling_reads_intents_only(self) -> JointBertNLU.Config:
            # entity spans are offsets into the text as written; a corrected text would shift them
            if self.spelling and self.entity_types != []:
                raise ValueError("spelling: true needs entity_types: [] (entities then come from the rule extractors)")
            return self

    name = "joint_bert"

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or self.Config()
        self.model: Any = None
        self.tokenizer: Any = None
        self.intents: list[str] = []
        self.tags: list[str] = ["O"]
        self.temperature = 1.0
        self.values: dict[str, str] = {}  # "type\x00surface lower" → annotated value
        self.spelling: SpellingCorrector | None = None
        self.intent_entities: dict[str, list[str]] = {}  # entity types annotated in each intent's examples
        self._masks: dict[str, Any] = {}  # intent → tag mask, for intent_entity_mask
        self.train_info: dict[str, Any] = {}
        self.prototypes: Any = None  # unit mean pooled vector of each intent's training examples
        self.example_vectors: Any = None  # unit pooled vector of every training example
        self._fp32: Any = None  # the unquantised model after training, kept for save()

    @classmethod
    def from_config(cls, config: Config, domain: Domain | None = None, **_: Any) -> JointBertNLU:
        return cls(config)

    # ------------------------------------------------------------------ setup

    @property
    def model_path(self) -> str:
        from dialogue.checkpoints import resolve_model_path

        return resolve_model_path(self.config.model)

    def _threads(self) -> None:
        import torch

        torch.set_num_threads(self.config.threads)

    def _tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True, use_fast=True)
        if not tokenizer.is_fast:
            raise RuntimeError(f"joint_bert needs a fast tokenizer (char offsets) for {self.model_path}")
        return tokenizer

    def _build(self, pretrained: bool) -> None:
        from dialogue.nlu.bert.encoding import tag_names
        from dialogue.nlu.bert.model import JointModel, load_encoder

        self.tags = self.tags if len(self.tags) > 1 else tag_names([])
        encoder = load_encoder(self.model_path, pretrained=pretrained)
        self.model = JointModel(encoder, len(self.intents), len(self.tags), self.config.dropout)

    def _corrector(self, counts: Counter[str]) -> SpellingCorrector | None:
        """The tokenizer's whole words count as real words too."""
        return corrector(counts, encoder_words(self.tokenizer))

    def _model_identity(self) -> dict[str, Any]:
        from dialogue.checkpoints import model_identity

        return model_identity(self.config.model)

    # ------------------------------------------------------------------ Trainable

    def fingerprint(self, data: TrainingData) -> str:
        config = {k: v for k, v in self.config.model_dump(mode="json").items() if k not in INFERENCE_ONLY}
        return content_hash("joint_bert", VERSION, config, data.fingerprint(), self._model_identity())

    def train(self, data: TrainingData, progress: Callable[[str, float], None] | None = None) -> None:
        from dialogue.nlu.bert.encoding import tag_names
        from dialogue.nlu.bert.training import Encoder, seed_everything, train_joint

        if len(data.intents) < 1 or not data.examples:
            raise ValueError("joint_bert: no training examples (add intents with examples to the domain)")
        seed_everything(self.config.seed)
        if progress:
            progress("joint_bert: loading encoder", 0.0)
        self.intents = data.intents
        self.tags = tag_names(data.entity_types)
        self.values = {}
        self.spelling = None
        seen: dict[str, set[str]] = {intent: set() for intent in self.intents}
        for example in data.examples:
            seen[example.intent].update(span.type for span in example.entities)
            for span in example.entities:
                surface = example.text[span.start : span.end]
                if span.value != surface:
                    self.values[f"{span.type}\x00{surface.lower()}"] = span.value
        self.intent_entities = {intent: sorted(types) for intent, types in seen.items()}
        self._masks = {}
        self.tokenizer = self._tokenizer()
        if self.config.spelling:
            self.spelling = self._corrector(word_counts(e.text for e in data.examples))
        self._build(pretrained=True)
        encoder = Encoder(self.tokenizer, self.intents, self.tags, self.config.max_len)
        result = train_joint(self.model, encoder, self.tags, data.examples, self.config, progress)
        self.temperature = result.temperature
        self.example_vectors = self._pooled_vectors(data)
        self.prototypes = self._prototypes(data, self.example_vectors)
        self.train_info = {
            "epochs": result.epochs,
            "best_epoch": result.best_epoch,
            "holdout_size": result.holdout_size,
            "seconds": round(result.seconds, 2),
            "temperature": result.temperature,
            "history": result.history,
        }
        self._prepare_inference(keep_fp32=True)

    def _pooled_vectors(self, data: TrainingData) -> Any:
        """The unit pooled vector of each training example: what "close to what I was taught" means."""
        import numpy as np
        import torch

        self.model.eval()
        vectors = []
        with torch.inference_mode():
            for offset in range(0, len(data.examples), 128):
                chunk = data.examples[offset : offset + 128]
                enc = self.tokenizer([e.text for e in chunk], truncation=True, max_length=self.config.max_len,
                                     padding=True, return_tensors="pt")
                self.model(enc["input_ids"], enc["attention_mask"])
                vectors.append(torch.nn.functional.normalize(self.model.last_pooled.float(), dim=-1).numpy())
        return np.concatenate(vectors)

    def _prototypes(self, data: TrainingData, vectors: Any) -> Any:
        """Per-intent mean of the examples' unit vectors, normalised."""
        import numpy as np

        sums = np.zeros((len(self.intents), vectors.shape[1]))
        index = {name: i for i, name in enumerate(self.intents)}
        for vector, example in zip(vectors, data.examples):
            sums[index[example.intent]] += vector
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.clip(norms, 1e-9, None)).astype("float32")

    def _similarity(self, pooled: Any) -> Any:
        """Per message: mean cosine to its ``neighbours`` nearest training examples, or to the closest prototype."""
        import numpy as np

        if self.config.similarity == "nearest" and self.example_vectors is not None:
            scores = pooled @ self.example_vectors.T
            k = min(self.config.neighbours, scores.shape[1])
            return np.partition(scores, -k, axis=1)[:, -k:].mean(axis=1)
        if self.prototypes is None:
            return None
        return (pooled @ self.prototypes.T).max(axis=1)

    def _tag_mask(self, intent: str) -> Any:
        """1 for O and the tags of entity types annotated with ``intent`` in training, else 0 (built once per intent)."""
        import numpy as np

        if intent not in self._masks:
            allowed = set(self.intent_entities.get(intent, []))
            self._masks[intent] = np.array([t == "O" or t.partition("-")[2] in allowed for t in self.tags], dtype="float32")
        return self._masks[intent]

    def _prepare_inference(self, keep_fp32: bool = False) -> None:
        self._threads()
        self.model.eval()
        if self.config.quantize:
            self._fp32 = self.model if keep_fp32 else None
            from dialogue.nlu.bert.model import quantize

            self.model = quantize(self.model)

    def save(self, directory: Path) -> None:
        import numpy as np
        import torch

        model = self._fp32 if self._fp32 is not None else self.model
        if model is None:
            raise NotTrainedError("joint_bert: nothing to save, train first")
        if self.config.quantize and self._fp32 is None:
            raise RuntimeError("joint_bert: a quantised model loaded from disk has no fp32 weights to save")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), directory / "model.pt")
        if self.prototypes is not None:
            np.save(directory / "prototypes.npy", self.prototypes)
        if self.example_vectors is not None:  # half precision: a cosine needs no more, the file is half as big
            np.save(directory / "examples.npy", self.example_vectors.astype("float16"))
        meta = {
            "version": VERSION,
            "model": self.config.model,
            "intents": self.intents,
            "tags": self.tags,
            "temperature": self.temperature,
            "values": self.values,
            "intent_entities": self.intent_entities,
            "train_info": self.train_info,
            "spelling": dict(self.spelling.counts) if self.spelling is not None else None,
        }
        (directory / "meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")

    def load(self, directory: Path) -> None:
        import numpy as np
        import torch

        directory = Path(directory)
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != VERSION:
            raise ValueError(f"{directory}: saved by joint_bert version {meta.get('version')}, expected {VERSION}")
        self._threads()
        self.intents, self.tags = list(meta["intents"]), list(meta["tags"])
        self.temperature, self.values = float(meta["temperature"]), dict(meta["values"])
        self.train_info = meta.get("train_info", {})
        self.intent_entities = {k: list(v) for k, v in meta.get("intent_entities", {}).items()}
        self._masks = {}
        self.tokenizer = self._tokenizer()
        self.spelling = self._corrector(Counter(meta["spelling"])) if meta.get("spelling") else None
        self._build(pretrained=False)
        self.model.load_state_dict(torch.load(directory / "model.pt", map_location="cpu", weights_only=True))
        if (directory / "prototypes.npy").is_file():
            self.prototypes = np.load(directory / "prototypes.npy")
        if (directory / "examples.npy").is_file():
            self.example_vectors = np.load(directory / "examples.npy").astype("float32")
        self._prepare_inference()

    # ------------------------------------------------------------------ inference

    def process(self, parse: ParsedMessage) -> ParsedMessage:
        return self.process_batch([parse])[0]

    def process_batch(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        if self.model is None:
            raise NotTrainedError("joint_bert is not trained: call train() or load() first")
        # similar lengths together: less padding, same results
        order = sorted(range(len(parses)), key=lambda i: len(parses[i].text))
        out: list[ParsedMessage | None] = [None] * len(parses)
        size = self.config.inference_batch_size
        for offset in range(0, len(order), size):
            indices = order[offset : offset + size]
            for i, parsed in zip(indices, self._run([parses[i] for i in indices])):
                out[i] = parsed
        return [p for p in out if p is not None]

    def _run(self, parses: Sequence[ParsedMessage]) -> list[ParsedMessage]:
        import torch

        from dialogue.nlu.bert.encoding import best_tag_path, decode_tags, words_of

        texts = [p.text if p.text.strip() else "." for p in parses]
        if self.spelling is not None:
            texts = [self.spelling.correct(t) for t in texts]
        enc = self.tokenizer(texts, truncation=True, max_length=self.config.max_len, padding=True, return_tensors="pt")
        with torch.inference_mode():
            intent_logits, tag_logits = self.model(enc["input_ids"], enc["attention_mask"])
            intent_probs = torch.softmax(intent_logits.float() / self.temperature, dim=-1).numpy()
            tag_probs = torch.softmax(tag_logits.float(), dim=-1).numpy()
            similarity = self._similarity(torch.nn.functional.normalize(self.model.last_pooled.float(), dim=-1).numpy())
        results = []
        for i, parse in enumerate(parses):
            ranking = ranking_from_scores(self.intents, intent_probs[i], self.config.ranking_size)
            entities: list[Entity] = []
            if len(self.tags) > 1 and parse.text.strip():
                words = words_of(enc.encodings[i])
                word_probs = tag_probs[i, words.first_token]
                if self.config.intent_entity_mask:
                    word_probs = word_probs * self._tag_mask(ranking[0].name)
                if self.config.constrained_decoding:
                    path, confidences = best_tag_path(word_probs, self.tags)
                else:
                    path = [int(t) for t in word_probs.argmax(-1)]
                    confidences = [float(word_probs[w, t]) for w, t in enumerate(path)]
                for span in decode_tags(words, [self.tags[t] for t in path], confidences):
                    if span.confidence < self.config.min_entity_confidence:
                        continue
                    if self.config.entity_types is not None and span.type not in self.config.entity_types:
                        continue
                    surface = parse.text[span.start : span.end]
                    value = self.values.get(f"{span.type}\x00{surface.lower()}", surface)
                    entities.append(
                        Entity(type=span.type, value=value, text=surface, start=span.start, end=span.end,
                               extractor=self.name, confidence=round(span.confidence, 4))
                    )
            update: dict[str, Any] = {"intent": ranking[0], "intent_ranking": ranking, "entities": (*parse.entities, *entities)}
            metadata = {**parse.metadata, **readability(self.spelling, texts[i] if parse.text.strip() else "")}
            if similarity is not None:
                metadata[SIMILARITY_KEY] = round(float(similarity[i]), 4)
            update["metadata"] = metadata
            results.append(parse.model_copy(update=update))
        return results
