from minigrad.scalar import Value

a, b = Value(0.8), Value(-1.5)
h = (a * b).tanh()
loss = h * h + h
print("a =", a)
print("b =", b)
print("h =", h)
print("loss =", loss)
loss.backward()
a.grad = b.grad = 0.0  # what an optimizer's zero_grad() does: it knows only the parameters
loss.backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
