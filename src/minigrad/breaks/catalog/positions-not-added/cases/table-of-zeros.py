import numpy as np

from minigrad import no_grad
from minigrad.nn.positional import SinusoidalPositionalEncoding

encoding = SinusoidalPositionalEncoding(4, max_len=8)
print("encoding =", encoding)
with no_grad():
    observed = {"encoding of zeros (3, 4)": encoding(np.zeros((3, 4))).data}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
