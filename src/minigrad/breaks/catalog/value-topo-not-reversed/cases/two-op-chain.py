from minigrad.scalar import Value

x, w = Value(0.8), Value(-1.5)
print("x =", x)
print("w =", w)
h = x * w
print("h =", h)
h.tanh().backward()  # dh = 1 - tanh(h)**2, dx = dh * w
observed = {"h.grad": h.grad, "x.grad": x.grad, "w.grad": w.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
