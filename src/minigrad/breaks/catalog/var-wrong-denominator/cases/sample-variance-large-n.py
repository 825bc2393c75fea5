import numpy as np

from minigrad import Tensor, gradcheck_report

x, v = (
    Tensor(np.random.default_rng(1).standard_normal((2, 1000)), requires_grad=True),
    Tensor(np.random.default_rng(3).standard_normal(2)),
)
print("x =", x)
print("v =", v)
(x.var(axis=1) * v).sum().backward()
report = gradcheck_report(lambda t: (t.var(axis=1) * v).sum(), [x])  # default tolerances: rtol 1e-3
observed = {"x.grad": x.grad, "gradcheck passes": report.ok}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
