# llama.cpp on the same GGUF file, for side-by-side runs with `gait model bench`: n sequences of one
# prompt decoded together, as Gait decodes n candidates (the 64-token prompt once for all sequences in a
# unified KV cache, then one batch of n tokens per step, greedy), 2 threads, default context settings.
#
#   pip install llama-cpp-python          # builds llama.cpp from source (about 5 minutes on 2 cores)
#   python3 Benchmarks/llama-cpp-batched.py ~/.cache/gait/models/SmolLM2-135M-Instruct.Q4_1.gguf 8
#
# Prints prompt tokens/s and aggregate generation tokens/s (128 tokens a sequence) for 3 runs after a
# warm-up. Sampling is numpy's argmax over each sequence's logits, well under 1% of a step.
import sys
import time

import llama_cpp as L
import numpy as np

path, n = sys.argv[1], int(sys.argv[2])
prompt_n, gen = 64, 128
L.llama_backend_init()
model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
params = L.llama_context_default_params()
params.n_ctx = 2048
params.n_batch = 512
params.n_ubatch = 512
params.n_seq_max = n
params.n_threads = 2
params.n_threads_batch = 2
params.kv_unified = True  # the prompt's cache entries shared by all sequences
ctx = L.llama_init_from_model(model, params)
vocab = L.llama_model_get_vocab(model)
n_vocab = L.llama_vocab_n_tokens(vocab)

# The text `gait model bench` repeats to make its prompt.
text = (b"The lighthouse keeper climbed the spiral stairs every evening to light the lamp, "
        b"watching ships pass through the narrow strait while storms gathered over the grey sea. ")
ids = (L.llama_token * 512)()
count = L.llama_tokenize(vocab, text, len(text), ids, 512, False, False)
prompt = []
while len(prompt) < prompt_n:
    prompt += list(ids[:count])
prompt = prompt[:prompt_n]
batch = L.llama_batch_init(512, 0, n)


def fill(entries):
    """Sets the batch to (token, position, sequences, wants logits) entries."""
    batch.n_tokens = len(entries)
    for i, (token, position, sequences, logits) in enumerate(entries):
        batch.token[i] = token
        batch.pos[i] = position
        batch.n_seq_id[i] = len(sequences)
        for j, sequence in enumerate(sequences):
            batch.seq_id[i][j] = sequence
        batch.logits[i] = logits


def logits(row):
    return np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, row), shape=(n_vocab,))


def run():
    L.llama_memory_clear(L.llama_get_memory(ctx), True)
    fill([(token, position, list(range(n)), position == prompt_n - 1) for position, token in enumerate(prompt)])
    start = time.perf_counter()
    if L.llama_decode(ctx, batch) != 0:
        sys.exit("llama_decode failed on the prompt")
    prompt_seconds = time.perf_counter() - start
    last = [int(np.argmax(logits(-1)))] * n
    start = time.perf_counter()
    for step in range(gen):
        fill([(last[s], prompt_n + step, [s], True) for s in range(n)])
        if L.llama_decode(ctx, batch) != 0:
            sys.exit(f"llama_decode failed at step {step}")
        last = [int(np.argmax(logits(s))) for s in range(n)]
    return prompt_n / prompt_seconds, gen * n / (time.perf_counter() - start)


run()
for _ in range(3):
    prompt_rate, generation_rate = run()
    print(f"llama.cpp n={n}: prompt {prompt_rate:.0f} tok/s, aggregate generation {generation_rate:.0f} tok/s",
          flush=True)
