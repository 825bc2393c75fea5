import numpy as np

from minigrad.ops.attention import causal_mask

mask = causal_mask(4)  # True where query i may attend to key j
print("mask =", mask)
observed = {"causal_mask(4) (1 = may attend)": mask.astype(np.int64)}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
