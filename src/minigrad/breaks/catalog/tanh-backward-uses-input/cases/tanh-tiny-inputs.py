import numpy as np

from minigrad import Tensor, gradcheck_report

x, v = (
    Tensor(np.asarray(0.01 * np.random.default_rng(1).standard_normal(4), dtype=np.float64), requires_grad=True),
    Tensor(np.random.default_rng(3).standard_normal(4)),
)
print("x =", x)
print("v =", v)
(x.tanh() * v).sum().backward()
report = gradcheck_report(lambda t: (t.tanh() * v).sum(), [x])  # default tolerances: atol 1e-5, rtol 1e-3
observed = {"x.grad": x.grad, "gradcheck passes": report.ok}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
