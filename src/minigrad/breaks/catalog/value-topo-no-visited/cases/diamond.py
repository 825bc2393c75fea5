from minigrad.scalar import Value

a = Value(0.8)
h = a.tanh()
print("a =", a)
print("h =", h)
(h * 2.0 + h.exp()).backward()
observed = {"a.grad": a.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
