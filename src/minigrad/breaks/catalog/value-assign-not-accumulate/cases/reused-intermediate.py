from minigrad.scalar import Value

a, b = Value(0.5), Value(-1.5)
h = a * b
print("a =", a)
print("b =", b)
print("h =", h)
(h * h.tanh() + h).backward()  # h is used three times: by *, by tanh and by +
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
