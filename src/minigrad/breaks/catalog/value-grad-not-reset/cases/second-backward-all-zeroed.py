from minigrad.scalar import Value

a, b = Value(0.8), Value(-1.5)
h = (a * b).tanh()
loss = h * h + h
print("a =", a)
print("b =", b)
print("h =", h)
print("loss =", loss)
loss.backward()
loss.zero_grad()  # zeroes every node of the graph, intermediates included
loss.backward()
observed = {"a.grad": a.grad, "b.grad": b.grad}
if __name__ == "__main__":
    for name, value in observed.items():
        print(f"{name} = {value}")
