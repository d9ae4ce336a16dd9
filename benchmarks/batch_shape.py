"""Fixed-shape model batches (evalkit.prepare.batching) against sentence-transformers' own `encode`: the time (torch).

Run: EVALKIT_THREADS=1 python benchmarks/batch_shape.py   (figures in docs/reliability.md)
"""

import random
import time

from evalkit.prepare.encoder import MODEL_BATCH, Encoder, load_model
from evalkit.settings import DEFAULT_MODEL

rng = random.Random(0)
words = ["the", "council", "approved", "a", "bridge", "over", "river", "officials", "said", "work", "in", "May"]
texts = [" ".join(rng.choice(words) for _ in range(rng.randint(5, 60))) + f" {i}" for i in range(600)]
model = load_model(DEFAULT_MODEL)
model.encode(["warm up"])
for _ in range(2):
    clock = time.perf_counter()
    model.encode(sorted(texts, key=len, reverse=True), batch_size=MODEL_BATCH, show_progress_bar=False)
    plain = time.perf_counter() - clock
    clock = time.perf_counter()
    Encoder(runtime="torch").encode(texts)  # the same runtime as sentence-transformers' encode
    fixed = time.perf_counter() - clock
    print(f"sentence-transformers encode {plain:.1f} s, evalkit fixed-shape batches {fixed:.1f} s")
