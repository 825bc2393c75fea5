import gc
import weakref

import numpy as np

from minigrad import Tensor

x = Tensor(np.random.default_rng(1).standard_normal((300, 400)), requires_grad=True)
h = (x * 2.0).tanh()
loss = h.sum()
tanh_output = weakref.ref(h)  # a reference that does not keep it alive
print("x =", x)
print("h =", h)
print("loss =", loss)
print("tanh_output =", tanh_output)
del h  # from here on only the graph (and the loss holding it) can keep the tanh output alive
loss.backward()
gc.collect()
observed = {"tanh output still alive after backward": tanh_output() is not None}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
