from minigrad.scalar import Value

x, w, bias = Value(0.8), Value(-0.4), Value(0.1)
print("x, w, bias =", x, w, bias)
(x * w + bias).tanh().backward()
observed = {"w.grad": w.grad, "bias.grad": bias.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
