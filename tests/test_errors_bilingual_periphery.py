"""minigrad's own errors outside the engine speak the learner's language (issue 17 §1).

Checkpoints, the layers and modules of ``minigrad.nn``, the datasets, the training configuration, the run
folder and the full backward hooks read every message they raise from the catalog (``messages/checkpoint.toml``,
``nn.toml``, ``data.toml``, ``loop_errors.toml``).  Three checks:

1. a scan of those modules' source: no ``raise SomeError("...")`` or ``raise SomeError(f"...")`` is left, and every
   ``text("key", ...)`` they call names a key of the catalog with exactly its placeholders;
2. real errors, triggered through the public API, read in Spanish under ``using_lang("es")`` (the real values
   in them, no English word left outside code) and, under ``using_lang("en")``, exactly as they read before the
   catalog: the expected texts are written here by hand, from the messages as the code spelled them;
3. every entry of the new files has ``en`` and ``es`` with the same placeholders: tests/test_cli_lang.py checks
   every TOML file of the catalog.
"""

from __future__ import annotations

import ast
import re
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from test_cli_lang import CODE, ENGLISH, NAMES

import minigrad
from minigrad import Tensor, checkpoint, nn
from minigrad.data.corpus import CharTokenizer, encode_lines
from minigrad.data.verbs import load_verbs
from minigrad.messages import catalog, placeholders, using_lang
from minigrad.nn import init
from minigrad.training.runfolder import RUN_FILES, RunFolder
from minigrad.training.train import TrainConfig

PACKAGE = Path(minigrad.__file__).resolve().parent
MODULES = sorted(
    [
        PACKAGE / "checkpoint.py",
        PACKAGE / "hooks.py",
        PACKAGE / "training" / "runfolder.py",
        PACKAGE / "training" / "train.py",
        *(PACKAGE / "nn").glob("*.py"),
        *(PACKAGE / "data").glob("*.py"),
    ]
)
PREFIXES = ("checkpoint.", "nn.", "data.", "loop_errors.")
# Errors whose constructor takes a catalog key and speaks the language it is read in (messages.CatalogError).
KEY_TAKING = {"CatalogError": "", "TrainingError": "training."}

# Words of these messages that the wide list of tests/test_cli_lang.py does not hold.
EXTRA_ENGLISH = set(
    """shape has but than cannot does there such directory range index attribute object keys key unexpected
    sequence longer symbols characters vocabulary verb tense person call pass needs integer integers positive
    between finite number invalid mapping header valid read loading nothing loaded
    out returned value observe use change gradient dimension dimensions""".split()
)
# The ``function:`` a message starts with, and names of arguments that the Spanish texts quote as they are
# written in code (``seed debe ser...``, ``data debe ser...``).
ARGUMENT_NAMES = re.compile(r"^[\w.]+: |\b(?:seed|data)\b")


# ---------------------------------------------------------------------- 1. the source


def literal_messages(call: ast.Call) -> list[ast.AST]:
    """The string literals and f-strings among the arguments of ``call``, outside any nested call (``text(...)``)."""
    found: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            found.append(node)
        elif not isinstance(node, ast.Call):
            for child in ast.iter_child_nodes(node):
                visit(child)

    for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
        visit(argument)
    return found


def _value(node: ast.AST) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else " (an f-string)"


def _in_a_field(node: ast.AST, call: ast.Call) -> bool:
    """Whether ``node`` lies under a keyword argument of ``call`` (a field of a catalog entry)."""
    return any(node in ast.walk(keyword.value) for keyword in call.keywords)


def literal_raises(source: str) -> list[str]:
    """``line: code`` of each raise whose message is written in place rather than read from the catalog."""
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Raise) or not isinstance(node.exc, ast.Call):
            continue
        call = node.exc
        name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
        literals = literal_messages(call)
        if name in KEY_TAKING and call.args and call.args[0] in literals:
            key = call.args[0]
            assert isinstance(key, ast.Constant)
            if KEY_TAKING[name] + str(key.value) not in catalog():
                problems.append(f"{node.lineno}: {name}({key.value!r}) names no catalog key")
            literals = [literal for literal in literals if literal is not key]
        if name in KEY_TAKING:  # a field may be a short value ("-", "config"), never a sentence
            literals = [x for x in literals if not (_in_a_field(x, call) and " " not in _value(x))]
        if literals:
            problems.append(f"{node.lineno}: {ast.get_source_segment(source, node)}")
    return problems


def text_calls(source: str) -> list[tuple[int, str, set[str] | None]]:
    """``(line, key, keyword names)`` of each ``text("key", ...)`` / ``messages.text(...)`` with a literal key
    of this part of the catalog; the names are None when the call also passes ``**fields``."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        key = node.args[0]
        if name == "text" and isinstance(key, ast.Constant) and str(key.value).startswith(PREFIXES):
            names = {keyword.arg for keyword in node.keywords}
            calls.append((node.lineno, str(key.value), None if None in names else {n for n in names if n}))
    return calls


def test_the_scan_can_fail() -> None:
    source = (
        'raise ValueError(f"Linear: input of shape {shape} does not fit")\n'
        'raise TypeError("expected a Module, got " + kind)\n'
        'raise CheckpointError(path, "it is a directory")\n'
        'raise ValueError(text("nn.init.std", std=std) if bad else f"other {x}")\n'
        'raise TrainingError("error.no_such_key")\n'
        'raise TrainingError("error.out_empty", reason="the folder is gone")\n'
    )
    assert [line.split(":")[0] for line in literal_raises(source)] == ["1", "2", "3", "4", "5", "6"]
    fine = (
        'raise ValueError(text("nn.init.std", std=std))\n'
        'raise CheckpointError(path, text("checkpoint.reason.directory"))\n'
        'raise TrainingError("error.metadata_bad", path=p, entry="config", detail=d or "-")\n'
        "raise error\nraise\nraise Terminated\nraise _unreadable(path, error) from error\n"
    )
    assert literal_raises(fine) == []
    assert text_calls('text("nn.init.std", std=1)\nmessages.text("data.verbs.encode", **f)') == [
        (1, "nn.init.std", {"std"}),
        (2, "data.verbs.encode", None),
    ]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_error_message_is_written_in_place(path: Path) -> None:
    assert literal_raises(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_text_called_exists_and_gets_exactly_its_fields(path: Path) -> None:
    entries = catalog()
    for line, key, names in text_calls(path.read_text(encoding="utf-8")):
        assert key in entries, f"{path.name}:{line}: no text {key!r}"
        if names is not None:
            assert names == placeholders(entries[key]["en"]), f"{path.name}:{line}: {key}"


def test_the_modules_scanned_are_the_ones_converted() -> None:
    names = {str(p.relative_to(PACKAGE)) for p in MODULES}
    assert {"checkpoint.py", "hooks.py", "nn/module.py", "nn/layers.py", "data/corpus.py"} <= names
    assert {"training/train.py", "training/runfolder.py"} <= names and len(names) >= 18


# ---------------------------------------------------------------------- 2. real errors in both languages


def english_words(message: str) -> set[str]:
    plain = NAMES.sub(" ", CODE.sub(" ", ARGUMENT_NAMES.sub(" ", message)))
    return {w for w in re.findall(r"[a-zA-Z]+", plain) if w.lower() in ENGLISH | EXTRA_ENGLISH}


def test_the_word_check_can_fail() -> None:
    assert english_words("Linear: input of shape (4, 5) does not fit in_features=3") == {
        "input",
        "of",
        "shape",
        "does",
        "not",
    }
    assert not english_words("Linear: la entrada de forma (4, 5) no encaja con in_features=3 en 'the model'")


def _header_past_end(tmp_path: Path) -> Path:
    path = tmp_path / "short.safetensors"
    path.write_bytes(struct.pack("<Q", 1000) + b"{}" + b" " * 8)  # announces 1000 bytes, 10 follow
    return path


def _header_over_limit(tmp_path: Path) -> Path:
    path = tmp_path / "huge.safetensors"
    path.write_bytes(struct.pack("<Q", 300_000_000) + b"{}")
    return path


def _saved(tmp_path: Path, arrays: dict[str, np.ndarray]) -> Path:
    path = tmp_path / "model.safetensors"
    checkpoint.save(path, arrays)
    return path


def _with_a_buffer() -> nn.Module:
    module = nn.Module()
    module.register_buffer("stats", np.zeros(2))
    return module


def _hook_returning_a_value() -> None:
    layer = nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda module, grad_input, grad_output: grad_input)
    layer(Tensor(np.ones((1, 2)), requires_grad=True)).sum().backward()


# (id, what raises, the exception class, English, Spanish); a {path} in the texts is the repr of the file used.
Case = tuple[str, Callable[[Path], object], type[BaseException], str, str]
CASES: list[Case] = [
    (
        "checkpoint-no-file",
        lambda tmp: checkpoint.load(tmp / "none.safetensors"),
        checkpoint.CheckpointNotFoundError,
        "{path} is not a valid safetensors checkpoint: there is no such file; check the path",
        "{path} no es un punto de control safetensors válido: ese archivo no existe; comprueba la ruta",
    ),
    (
        "checkpoint-truncated-header",
        lambda tmp: checkpoint.load(_header_past_end(tmp)),
        checkpoint.CheckpointError,
        "{path} is not a valid safetensors checkpoint: the first 8 bytes give a header of 1000 bytes, "
        "but only 10 follow (a truncated file, or another format)",
        "{path} no es un punto de control safetensors válido: los 8 primeros bytes indican una cabecera de "
        "1000 bytes, pero solo siguen 10 (un archivo truncado, o de otro formato)",
    ),
    (
        "checkpoint-header-over-limit",  # thousands grouped as docs/glossary.md says: a space in Spanish
        lambda tmp: checkpoint.load(_header_over_limit(tmp)),
        checkpoint.CheckpointError,
        "{path} is not a valid safetensors checkpoint: the first 8 bytes announce a header of 300,000,000 bytes, "
        "over safetensors' limit of 100,000,000 (a damaged or hostile file); it was not read",
        "{path} no es un punto de control safetensors válido: los 8 primeros bytes anuncian una cabecera de "
        "300\u00a0000\u00a0000 bytes, más que el límite de safetensors de 100\u00a0000\u00a0000 (un archivo dañado u "
        "hostil); no se ha leído",
    ),
    (
        "checkpoint-save-dtype",
        lambda tmp: checkpoint.save(tmp / "m.safetensors", {"w": np.array(["a"])}),
        TypeError,
        "checkpoint.save: 'w' has dtype <U1, which safetensors cannot store",
        "checkpoint.save: 'w' tiene dtype <U1, que safetensors no puede guardar",
    ),
    (
        "checkpoint-load-into-missing-key",
        lambda tmp: checkpoint.load_into(nn.Linear(3, 2), _saved(tmp, {"weight": np.zeros((2, 3))})),
        checkpoint.CheckpointMismatchError,
        "the checkpoint {path} does not match the model:\n  missing keys (in the model, not in the checkpoint): "
        "bias\nBuild the model with the configuration it was saved with, or pass strict=False to skip "
        "missing/unexpected keys",
        "el punto de control {path} no coincide con el modelo:\n  claves que faltan (en el modelo, no en el punto "
        "de control): bias\nConstruye el modelo con la configuración con la que se guardó, o pasa strict=False "
        "para omitir las claves que faltan o sobran",
    ),
    (
        "checkpoint-load-into-shape",
        lambda tmp: checkpoint.load_into(
            nn.Linear(3, 2), _saved(tmp, {"weight": np.zeros((2, 4)), "bias": np.ones(2)})
        ),
        checkpoint.CheckpointMismatchError,
        "the checkpoint {path} does not match the model:\n  shape mismatches: weight: checkpoint (2, 4), "
        "model (2, 3)\nBuild the model with the configuration it was saved with",
        "el punto de control {path} no coincide con el modelo:\n  formas que no coinciden: weight: punto de "
        "control (2, 4), modelo (2, 3)\nConstruye el modelo con la configuración con la que se guardó",
    ),
    (
        "arguments-number-range",
        lambda tmp: nn.Dropout(p=1.5),
        ValueError,
        "Dropout: invalid p=1.5; it must be a finite number >= 0 and < 1",
        "Dropout: p=1.5 no es válido; debe ser un número finito >= 0 y < 1",
    ),
    (
        "arguments-size-type",
        lambda tmp: nn.Linear(3.0, 2),  # type: ignore[arg-type]
        TypeError,
        "Linear: in_features must be an int >= 1, got 3.0 (float)",
        "Linear: in_features debe ser un int >= 1, se recibió 3.0 (float)",
    ),
    (
        "layers-linear-input",
        lambda tmp: nn.Linear(3, 2)(Tensor(np.ones((4, 5)))),
        ValueError,
        "Linear: input of shape (4, 5) does not fit in_features=3: its last axis has size 5, expected 3 "
        "(the features go on the last axis)",
        "Linear: la entrada de forma (4, 5) no encaja con in_features=3: su último eje tiene tamaño 5, se "
        "esperaba 3 (las características van en el último eje)",
    ),
    (
        "layers-embedding-range",
        lambda tmp: nn.Embedding(5, 2)(np.array([1, 7])),
        IndexError,
        "Embedding: id 7 is out of range for a table of 5 embeddings (valid ids: 0 to 4)",
        "Embedding: el id 7 está fuera de rango para una tabla de 5 embeddings (ids válidos: de 0 a 4)",
    ),
    (
        "module-state-dict-shape",
        lambda tmp: nn.Linear(3, 2).load_state_dict({"weight": np.zeros((2, 4)), "bias": np.zeros(2)}),
        nn.StateDictError,
        "load_state_dict: error(s) loading the state dict into Linear; nothing loaded:\n"
        "  weight: shape (2, 4) in the state dict, (2, 3) in the model",
        "load_state_dict: error(es) al cargar el state dict en Linear; no se ha cargado nada:\n"
        "  weight: forma (2, 4) en el state dict, (2, 3) en el modelo",
    ),
    (
        "module-no-attribute",
        lambda tmp: nn.Linear(3, 2).wieght,
        AttributeError,
        "'Linear' object has no attribute 'wieght'",
        "el objeto 'Linear' no tiene el atributo 'wieght'",
    ),
    (
        "module-buffer-type",
        lambda tmp: setattr(_with_a_buffer(), "stats", "abc"),
        TypeError,
        "buffer 'stats': expected a Tensor, a numeric array or None, got str",
        "búfer 'stats': se esperaba un Tensor, un array numérico o None, se recibió str",
    ),
    (
        "module-list-index",
        lambda tmp: nn.ModuleList([nn.ReLU()])[3],
        IndexError,
        "ModuleList: index 3 is out of range for 1 modules",
        "ModuleList: el índice 3 está fuera de rango para 1 módulos",
    ),
    (
        "attention-divisible",
        lambda tmp: nn.MultiheadAttention(6, 4),
        ValueError,
        "MultiheadAttention: embed_dim 6 must be divisible by num_heads 4",
        "MultiheadAttention: embed_dim 6 debe ser divisible por num_heads 4",
    ),
    (
        "normalization-trailing",
        lambda tmp: nn.LayerNorm(4)(Tensor(np.ones((2, 3)))),
        ValueError,
        "LayerNorm: input of shape (2, 3) does not end with normalized_shape (4,)",
        "LayerNorm: la entrada de forma (2, 3) no termina con normalized_shape (4,)",
    ),
    (
        "positional-rotary-odd",
        lambda tmp: nn.RotaryEmbedding(3),
        ValueError,
        "RotaryEmbedding: dim must be even (features are rotated in pairs), got 3",
        "RotaryEmbedding: dim debe ser par (las características se rotan por parejas), se recibió 3",
    ),
    (
        "transformer-positions",
        lambda tmp: nn.MiniGPT(10, 8, 2, 1, 16, 4, positions="absolute"),
        ValueError,
        "MiniGPT: positions must be one of sinusoidal, learned, rope, none, got 'absolute'",
        "MiniGPT: positions debe ser uno de sinusoidal, learned, rope, none, se recibió 'absolute'",
    ),
    (
        "init-range",
        lambda tmp: init.uniform_(Tensor(np.zeros(3)), a=2, b=1),
        ValueError,
        "uniform_: the range needs a <= b, got a=2, b=1",
        "uniform_: el intervalo necesita a <= b, se recibió a=2, b=1",
    ),
    (
        "losses-reduction",
        lambda tmp: nn.CrossEntropyLoss(reduction="avg"),
        ValueError,
        "CrossEntropyLoss: reduction must be 'mean', 'sum' or 'none', got 'avg'",
        "CrossEntropyLoss: reduction debe ser 'mean', 'sum' o 'none', se recibió 'avg'",
    ),
    (
        "activations-gelu",
        lambda tmp: nn.GELU("exact"),
        ValueError,
        "GELU: approximate must be 'none' or 'tanh', got 'exact'",
        "GELU: approximate debe ser 'none' o 'tanh', se recibió 'exact'",
    ),
    (
        "parameter-dtype",
        lambda tmp: nn.Parameter(np.array([1, 2], dtype=np.int64)),
        TypeError,
        "Parameter: data must be floating point, got dtype int64; pass float data, e.g. "
        "np.asarray(data, dtype=np.float64)",
        "Parameter: data debe ser de coma flotante, se recibió dtype int64; pasa datos de coma flotante, por "
        "ejemplo np.asarray(data, dtype=np.float64)",
    ),
    (
        "hooks-returned-value",
        lambda tmp: _hook_returning_a_value(),
        RuntimeError,
        "register_full_backward_hook: a hook on Linear returned a value; minigrad's full backward hooks only "
        "observe (replacing grad_input is not supported): return None, or use Tensor.register_hook on the input "
        "to change its gradient",
        "register_full_backward_hook: un hook de Linear devolvió un valor; los hooks de retropropagación "
        "completos de minigrad solo observan (no se puede sustituir grad_input): devuelve None, o usa "
        "Tensor.register_hook en la entrada para cambiar su gradiente",
    ),
    (
        "corpus-line-too-long",
        lambda tmp: encode_lines(["abc"], CharTokenizer.from_corpus(), 2),
        ValueError,
        "encode_lines: line 'abc' needs 5 positions but length is 2",  # "\n" + "abc" + "\n"
        "encode_lines: la línea 'abc' necesita 5 posiciones, pero length es 2",
    ),
    (
        "corpus-decode-range",
        lambda tmp: CharTokenizer([chr(0), "a", "b"]).decode([0, 9]),
        ValueError,
        "CharTokenizer.decode: id 9 is out of range (0 to 2)",
        "CharTokenizer.decode: el id 9 está fuera de rango (de 0 a 2)",
    ),
    (
        "verbs-encode",
        lambda tmp: load_verbs(encode="bag"),
        ValueError,
        "load_verbs: encode must be 'ngrams' or 'course', got 'bag'",
        "load_verbs: encode debe ser 'ngrams' o 'course', se recibió 'bag'",
    ),
    (
        "train-config-epochs",
        lambda tmp: TrainConfig(epochs=0),
        ValueError,
        "train: epochs must be a positive integer, got 0",
        "train: epochs debe ser un entero positivo, se recibió 0",
    ),
    (
        "train-config-seed",
        lambda tmp: TrainConfig(seed=-3),
        ValueError,
        "train: seed must be an integer >= 0 (NumPy refuses negative seeds), got -3",
        "train: seed debe ser un entero >= 0 (NumPy rechaza las semillas negativas), se recibió -3",
    ),
    (
        "runfolder-not-a-run-file",
        lambda tmp: RunFolder(tmp / "run").file("notes.txt"),
        ValueError,
        "RunFolder: 'notes.txt' is not a run file; add it to RUN_FILES ({files})",
        "RunFolder: 'notes.txt' no es un archivo de ejecución; añádelo a RUN_FILES ({files})",
    ),
]


def _raised(case: Case, tmp_path: Path, lang: str) -> str:
    _, trigger, error, _, _ = case
    folder = tmp_path / lang
    folder.mkdir()
    with using_lang(lang), pytest.raises(error) as caught:
        trigger(folder)
    return str(caught.value)


def _expected(template: str, tmp_path: Path, lang: str) -> str:
    # the file a case uses is the one file (or the missing one) in its folder; RUN_FILES is a frozenset
    folder = tmp_path / lang
    files = [p for p in folder.iterdir() if p.suffix == ".safetensors"] or [folder / "none.safetensors"]
    return template.replace("{path}", repr(str(files[0]))).replace("{files}", ", ".join(RUN_FILES))


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_a_real_error_reads_in_spanish_and_the_same_english_as_before(case: Case, tmp_path: Path) -> None:
    _, _, _, english, spanish = case
    in_spanish = _raised(case, tmp_path, "es")
    assert in_spanish == _expected(spanish, tmp_path, "es")
    assert not english_words(in_spanish), english_words(in_spanish)
    in_english = _raised(case, tmp_path, "en")
    assert in_english == _expected(english, tmp_path, "en")
    assert english_words(in_english)  # the word check sees English where there is some


def test_every_converted_module_has_a_case_in_both_languages() -> None:
    ids = {case[0].split("-")[0] for case in CASES}
    assert {"checkpoint", "arguments", "layers", "module", "attention", "normalization", "positional"} <= ids
    assert {"transformer", "init", "losses", "activations", "parameter", "hooks", "corpus", "verbs"} <= ids
    assert {"train", "runfolder"} <= ids


def test_a_checkpoint_error_in_spanish_stays_spanish_through_minigrad_train(tmp_path: Path) -> None:
    # train.py re-raises a CheckpointError's reason inside its own TrainingError: both halves in one language
    from minigrad.training.train import evaluate_checkpoint

    with using_lang("es"), pytest.raises(ValueError) as caught:
        evaluate_checkpoint(_header_past_end(tmp_path))
    with using_lang("es"):  # a TrainingError speaks the language it is read in, the reason the one it was raised in
        message = str(caught.value)
    assert "no es un punto de control safetensors válido" in message and "solo siguen 10" in message
    assert not english_words(message), english_words(message)
