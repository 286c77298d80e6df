"""p-bits and p-computers built on the device (docs/pbits.md).

* :mod:`.calibration`: a low-barrier device's p-bit from the stochastic LLG: the sigmoid
  <m> = tanh((x - x0)/x_s), the correlation time, the flip rate, the energy per random bit;
  the exact references (the Boltzmann average on the sphere, the uniaxial correlation time).
* :mod:`.ising`: Ising networks (J, h), the G-set and text formats, graph colouring, Max-Cut.
* :mod:`.kernels`: the numba sampler (counter-based noise, replicas in parallel).
* :mod:`.sampler`: annealing schedules, update orders (graph-coloured parallel, sequential,
  asynchronous), :func:`sample`, device time and energy.
* :mod:`.maxcut`: Max-Cut on a p-computer.
* :mod:`.logic`: invertible logic (AND, OR, XOR, full adder, multiplier) and factorization.
* :mod:`.rbm`: a restricted Boltzmann machine trained by contrastive divergence with p-bits.
"""
