#!/usr/bin/env bash
# Validates a `gait tune` export folder with the trainers' own parsers: TRL's config parser and dataset
# loader, Axolotl's config schema and KTO prompt strategy, and PyYAML / json for types.
# Optional: not run by .ci/run (TRL and Axolotl pull in PyTorch, several GB).
#
# Usage: scripts/check-tune-export.sh EXPORT_DIR [--no-axolotl]
# The packages go into a virtual environment: $GAIT_TUNE_VENV (default: .build/tune-check-venv).
# With GAIT_TUNE_MODEL_DIR set to a local Hugging Face model folder (the base model, or a compatible one),
# each TRL config also trains for one step on CPU, overriding only the model path, output folder and steps.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 EXPORT_DIR [--no-axolotl]" >&2
    exit 64
fi
export_dir=$(cd "$1" && pwd)
with_axolotl=1
[[ "${2:-}" == "--no-axolotl" ]] && with_axolotl=0

repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${GAIT_TUNE_VENV:-$repo/.build/tune-check-venv}
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
packages=(trl peft pyyaml)
[[ $with_axolotl == 1 ]] && packages+=(axolotl)
"$venv/bin/python" -m pip install --quiet --upgrade "${packages[@]}"

cd "$export_dir"
GAIT_WITH_AXOLOTL=$with_axolotl "$venv/bin/python" - <<'PY'
import glob, json, math, os, sys, traceback
import yaml

failures = []
def check(name, body):
    try:
        body()
        print(f"ok    {name}")
    except Exception as error:  # report every failure, then exit non-zero
        failures.append(name)
        print(f"FAIL  {name}: {error}")
        traceback.print_exc(limit=3)

# JSON: no NaN or Infinity, identical keys per line, JSON booleans for labels.
def reject_constant(text):
    raise ValueError(f"non-JSON number {text}")

for path in sorted(glob.glob("*.jsonl")):
    def body(path=path):
        keys = None
        for number, line in enumerate(open(path, encoding="utf-8"), 1):
            row = json.loads(line, parse_constant=reject_constant)
            if keys is None:
                keys = list(row)
            elif list(row) != keys:
                raise ValueError(f"{path}:{number}: keys {list(row)} differ from {keys}")
            if "label" in row and not isinstance(row["label"], bool) and path != "metadata.jsonl":
                raise ValueError(f"{path}:{number}: label is {type(row['label']).__name__}")
    check(f"json {path}", body)

# YAML types as PyYAML reads them.
for path in sorted(glob.glob("*.yaml")):
    def body(path=path):
        config = yaml.safe_load(open(path, encoding="utf-8"))
        for key in ("learning_rate", "lora_dropout", "beta", "rl_beta"):
            if key in config and not isinstance(config[key], float):
                raise ValueError(f"{key} is {type(config[key]).__name__}: {config[key]!r}")
        if not isinstance(config.get("lora_alpha"), int):
            raise ValueError(f"lora_alpha is {config.get('lora_alpha')!r}")
        if "warmup_ratio" in config:
            raise ValueError("warmup_ratio is set")
        for key in ("eval_strategy", "save_strategy"):
            if key in config and not isinstance(config[key], str):
                raise ValueError(f"{key} is {config[key]!r}, not a string")
    check(f"yaml {path}", body)

# TRL: its CLI parser (unknown keys and bad types fail) and its dataset loader.
import datasets
from trl import DatasetMixtureConfig, get_dataset
from trl.data_utils import is_conversational

def trl_parser(method):
    module = __import__(f"trl.scripts.{method}", fromlist=["make_parser"])
    return module.make_parser()

for method in ("sft", "dpo", "kto"):
    path = f"trl_{method}.yaml"
    if not os.path.exists(path):
        continue
    def body(method=method, path=path):
        parsed = trl_parser(method).parse_args_and_config(args=["--config", path], return_remaining_strings=True)
        mixture = next(p for p in parsed if isinstance(p, DatasetMixtureConfig))
        dataset = get_dataset(mixture)["train"]
        if len(dataset) == 0:
            raise ValueError("no rows")
        if not is_conversational(dataset[0]):
            raise ValueError(f"TRL does not see {mixture.datasets[0].data_files} as conversational")
        expected = {"sft": {"prompt", "completion"}, "dpo": {"prompt", "chosen", "rejected"},
                    "kto": {"prompt", "completion", "label"}}[method]
        if not expected <= set(dataset.column_names):
            raise ValueError(f"columns {dataset.column_names}, expected {sorted(expected)}")
    check(f"trl {method} --config {path}", body)

for path in sorted(glob.glob("eval_*.jsonl")):
    check(f"datasets load {path}", lambda path=path: datasets.load_dataset("json", data_files=path, split="train"))

model_dir = os.environ.get("GAIT_TUNE_MODEL_DIR")
if model_dir:
    import subprocess, tempfile
    for method in ("sft", "dpo", "kto"):
        path = f"trl_{method}.yaml"
        if not os.path.exists(path):
            continue
        def body(method=method, path=path):
            with tempfile.TemporaryDirectory() as output:
                subprocess.run([os.path.join(os.path.dirname(sys.executable), "trl"), method, "--config", path,
                                "--model_name_or_path", model_dir, "--output_dir", output, "--max_steps", "1"],
                               check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        check(f"trl {method} trains one step", body)

if os.environ.get("GAIT_WITH_AXOLOTL") == "1":
    from axolotl.utils.dict import DictDefault
    from axolotl.utils.schemas.config import AxolotlInputConfig
    for path in sorted(glob.glob("axolotl_*.yaml")):
        def body(path=path):
            AxolotlInputConfig(**yaml.safe_load(open(path, encoding="utf-8")))
        check(f"axolotl schema {path}", body)
    if os.path.exists("kto_axolotl.jsonl"):
        def body():
            from axolotl.prompt_strategies.kto.chatml import prompt_pairs
            transform = prompt_pairs(DictDefault({}))
            for line in open("kto_axolotl.jsonl", encoding="utf-8"):
                row = transform(json.loads(line))
                if not row["prompt"].startswith("<|im_start|>system\n"):
                    raise ValueError("the system message was dropped")
        check("axolotl kto chatml.prompt_pairs", body)

if failures:
    print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
    sys.exit(1)
print("every check passed")
PY
