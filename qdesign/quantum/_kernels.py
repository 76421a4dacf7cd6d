"""Optional numba kernels for the simulators' hot loops (numpy fallbacks exist in the callers).

The numpy paths pay a few microseconds of interpreter overhead per gate, which dominates at the
batch sizes an SPSA optimizer uses (2-3 angle vectors per call). These kernels run a whole
compiled gate list per batch member in one call. Both read the same compiled data as the numpy
paths and are checked against qiskit by the same tests.

Index conventions: statevector index ``sum_q x_q 2^q``; Pauli-vector index ``sum_q code_q 4^q``.
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised whenever numba is installed
    from numba import njit, types
    from numba.core import cgutils
    from numba.extending import intrinsic

    AVAILABLE = True
except ImportError:  # pragma: no cover
    AVAILABLE = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        """Stand-in for ``numba.njit`` when numba is absent: returns the function unchanged (pure-Python
        fallback)."""
        def wrap(f):
            return f

        return wrap

if AVAILABLE:  # pragma: no cover - compiled into the kernels below
    def _item_pointer(context, builder, signature, args):
        arrty = signature.args[0]
        ary = context.make_array(arrty)(context, builder, args[0])
        i = context.cast(builder, args[1], signature.args[1], types.intp)
        return cgutils.get_item_pointer(context, builder, arrty, ary, [i])

    @intrinsic
    def fetch_add(typingctx, arr, idx, val):
        """Atomically ``arr[idx] += val`` (an int64 array), returning the value before: how threads
        running one kernel at once claim work items without handing any out twice."""
        if not (isinstance(arr, types.Array) and arr.dtype == types.int64 and isinstance(idx, types.Integer)
                and isinstance(val, types.Integer)):
            return None

        def codegen(context, builder, signature, args):
            ptr = _item_pointer(context, builder, signature, args)
            v = context.cast(builder, args[2], signature.args[2], types.int64)
            return builder.atomic_rmw("add", ptr, v, "seq_cst")

        return types.int64(arr, idx, val), codegen

    @intrinsic
    def atomic_load(typingctx, arr, idx):
        """``arr[idx]`` (an int64 array) read atomically: a loop waiting for another thread's
        ``fetch_add`` sees it (a plain load could be hoisted out of the loop)."""
        if not (isinstance(arr, types.Array) and arr.dtype == types.int64 and isinstance(idx, types.Integer)):
            return None

        def codegen(context, builder, signature, args):
            ptr = _item_pointer(context, builder, signature, args)
            return builder.load_atomic(ptr, "seq_cst", 8)

        return types.int64(arr, idx), codegen
else:  # pragma: no cover - pure Python: one thread only
    def fetch_add(arr, idx, val):
        """``arr[idx] += val``, returning the value before (not atomic: pure-Python fallback)."""
        old = int(arr[idx])
        arr[idx] = old + val
        return old

    def atomic_load(arr, idx):
        """``arr[idx]`` (pure-Python fallback)."""
        return int(arr[idx])


# gate kinds for the statevector kernel
SV_FIXED, SV_RX, SV_RY, SV_RZ, SV_CX = 0, 1, 2, 3, 4


@njit(cache=True, nogil=True)
def statevector_run(kind, q0, q1, param, mats, thetas, n, out):  # pragma: no cover - jitted
    """Fill ``out`` (B, 2^n) complex with the final states from |0...0>."""
    dim = 1 << n
    for b in range(thetas.shape[0]):
        psi = out[b]
        for i in range(dim):
            psi[i] = 0.0
        psi[0] = 1.0
        for g in range(kind.shape[0]):
            k = kind[g]
            if k == SV_CX:
                cm = 1 << q0[g]
                tm = 1 << q1[g]
                for i in range(dim):
                    if (i & cm) != 0 and (i & tm) == 0:
                        j = i | tm
                        tmp = psi[i]
                        psi[i] = psi[j]
                        psi[j] = tmp
                continue
            if k == SV_FIXED:
                m00 = mats[g, 0, 0]
                m01 = mats[g, 0, 1]
                m10 = mats[g, 1, 0]
                m11 = mats[g, 1, 1]
            else:
                half = 0.5 * thetas[b, param[g]]
                c = math.cos(half)
                s = math.sin(half)
                if k == SV_RX:
                    m00 = c + 0j
                    m01 = -1j * s
                    m10 = -1j * s
                    m11 = c + 0j
                elif k == SV_RY:
                    m00 = c + 0j
                    m01 = -s + 0j
                    m10 = s + 0j
                    m11 = c + 0j
                else:
                    m00 = c - 1j * s
                    m01 = 0j
                    m10 = 0j
                    m11 = c + 1j * s
            st = 1 << q0[g]
            for i in range(dim):
                if (i & st) == 0:
                    a = psi[i]
                    z = psi[i | st]
                    psi[i] = m00 * a + m01 * z
                    psi[i | st] = m10 * a + m11 * z


@njit(cache=True, nogil=True)
def ptm_run(nq, qa, qb, param, mats_a, mats_b, mats_c, perm, thetas, init, out):  # pragma: no cover
    """Fill ``out`` (B, 4^n) with Pauli vectors. Op g (``nq`` 1 or 2 qubits) applies the PTM
    ``A + cos(theta) B + sin(theta) C`` (the leading 4x4 or 16x16 block of ``mats_*[g]``; theta =
    ``thetas[b, param[g]]``, fixed ops have param -1 and B = C = 0) in place on its qubit(s);
    ``nq == 3`` is a 2-qubit scaled permutation ``y_i = mats_a[g, 0, i] * x_perm[g, i]`` followed,
    if ``mats_c[g, 0, 0] != 0``, by the 4x4 PTM ``mats_b[g, :4, :4]`` on each of its two qubits."""
    dim = init.shape[0]
    m = np.empty((16, 16))
    x = np.empty(16)
    y = np.empty(16)
    z = np.empty(4)
    off = np.empty(16, dtype=np.int64)
    for b in range(thetas.shape[0]):
        v = out[b]
        for i in range(dim):
            v[i] = init[i]
        for g in range(nq.shape[0]):
            if nq[g] == 3:
                sa = 4 ** qa[g]
                sb = 4 ** qb[g]
                for i in range(16):
                    off[i] = (i // 4) * sa + (i % 4) * sb
                s_lo = min(sa, sb)
                s_hi = max(sa, sb)
                local = mats_c[g, 0, 0] != 0.0
                for i in range(4):
                    for j in range(4):
                        m[i, j] = mats_b[g, i, j]
                for top in range(0, dim, 4 * s_hi):
                    for mid in range(top, top + s_hi, 4 * s_lo):
                        for base in range(mid, mid + s_lo):
                            for i in range(16):
                                x[i] = v[base + off[i]]
                            for i in range(16):
                                y[i] = mats_a[g, 0, i] * x[perm[g, i]]
                            if local:  # the same 4x4 damping PTM on both qubits, in registers
                                for j in range(4):
                                    for i in range(4):
                                        z[i] = y[4 * i + j]
                                    for i in range(4):
                                        y[4 * i + j] = (m[i, 0] * z[0] + m[i, 1] * z[1] + m[i, 2] * z[2]
                                                        + m[i, 3] * z[3])
                                for i in range(4):
                                    for j in range(4):
                                        z[j] = y[4 * i + j]
                                    for j in range(4):
                                        y[4 * i + j] = (m[j, 0] * z[0] + m[j, 1] * z[1] + m[j, 2] * z[2]
                                                        + m[j, 3] * z[3])
                            for i in range(16):
                                v[base + off[i]] = y[i]
                continue
            d = 4 if nq[g] == 1 else 16
            if param[g] >= 0:
                th = thetas[b, param[g]]
                c = math.cos(th)
                s = math.sin(th)
                for i in range(d):
                    for j in range(d):
                        m[i, j] = mats_a[g, i, j] + c * mats_b[g, i, j] + s * mats_c[g, i, j]
            else:
                for i in range(d):
                    for j in range(d):
                        m[i, j] = mats_a[g, i, j]
            if nq[g] == 1:
                st = 4 ** qa[g]
                m00, m01, m02, m03 = m[0, 0], m[0, 1], m[0, 2], m[0, 3]
                m10, m11, m12, m13 = m[1, 0], m[1, 1], m[1, 2], m[1, 3]
                m20, m21, m22, m23 = m[2, 0], m[2, 1], m[2, 2], m[2, 3]
                m30, m31, m32, m33 = m[3, 0], m[3, 1], m[3, 2], m[3, 3]
                for top in range(0, dim, 4 * st):
                    for k in range(top, top + st):
                        x0 = v[k]
                        x1 = v[k + st]
                        x2 = v[k + 2 * st]
                        x3 = v[k + 3 * st]
                        v[k] = m00 * x0 + m01 * x1 + m02 * x2 + m03 * x3
                        v[k + st] = m10 * x0 + m11 * x1 + m12 * x2 + m13 * x3
                        v[k + 2 * st] = m20 * x0 + m21 * x1 + m22 * x2 + m23 * x3
                        v[k + 3 * st] = m30 * x0 + m31 * x1 + m32 * x2 + m33 * x3
            else:
                sa = 4 ** qa[g]
                sb = 4 ** qb[g]
                for i in range(16):
                    off[i] = (i // 4) * sa + (i % 4) * sb
                s_lo = min(sa, sb)
                s_hi = max(sa, sb)
                for top in range(0, dim, 4 * s_hi):
                    for mid in range(top, top + s_hi, 4 * s_lo):
                        for base in range(mid, mid + s_lo):
                            for i in range(16):
                                x[i] = v[base + off[i]]
                            for i in range(16):
                                acc = 0.0
                                for j in range(16):
                                    acc += m[i, j] * x[j]
                                v[base + off[i]] = acc


@njit(cache=True, nogil=True)
def csr_expectations(indptr, indices, data, psi, out):  # pragma: no cover - jitted
    """out[b] = Re <psi_b| H |psi_b> for H in CSR form (single-threaded, no BLAS)."""
    dim = psi.shape[1]
    for b in range(psi.shape[0]):
        acc = 0.0
        for i in range(dim):
            row = 0j
            for k in range(indptr[i], indptr[i + 1]):
                row += data[k] * psi[b, indices[k]]
            acc += (psi[b, i].conjugate() * row).real
        out[b] = acc


@njit(cache=True, nogil=True)
def group_probs_statevector(psi, basis, out):  # pragma: no cover - jitted
    """out[b, g] = |U_g psi_b|^2 where U_g rotates qubit q's measured Pauli ``basis[g, q]``
    (1 = X via H, 2 = Y via H S^dag, 3 = Z) onto Z."""
    dim = psi.shape[1]
    n = basis.shape[1]
    r = 1.0 / math.sqrt(2.0)
    amp = np.empty(dim, dtype=np.complex128)
    for b in range(psi.shape[0]):
        for g in range(basis.shape[0]):
            for i in range(dim):
                amp[i] = psi[b, i]
            for q in range(n):
                code = basis[g, q]
                if code == 3:
                    continue
                st = 1 << q
                for i in range(dim):
                    if (i & st) == 0:
                        a = amp[i]
                        z = amp[i | st]
                        if code == 2:
                            z = -1j * z
                        amp[i] = r * (a + z)
                        amp[i | st] = r * (a - z)
            for i in range(dim):
                out[b, g, i] = amp[i].real ** 2 + amp[i].imag ** 2


@njit(cache=True, nogil=True)
def group_probs_pauli(r, index, out):  # pragma: no cover - jitted
    """out[b, g, x] = 2^-n sum_S (-1)^popcount(x & S) r[b, index[g, S]] (in-place Walsh-Hadamard)."""
    dim = index.shape[1]
    for b in range(r.shape[0]):
        for g in range(index.shape[0]):
            v = out[b, g]
            for s in range(dim):
                v[s] = r[b, index[g, s]]
            st = 1
            while st < dim:
                for i in range(dim):
                    if (i & st) == 0:
                        a = v[i]
                        z = v[i | st]
                        v[i] = 0.5 * (a + z)
                        v[i | st] = 0.5 * (a - z)
                st *= 2


@njit(cache=True, nogil=True)
def _apply_gate(kind, q0, q1, m00, m01, m10, m11, psi):  # pragma: no cover - jitted
    """One gate in place on a single state (CX, or a 2x2 matrix on qubit ``q0``)."""
    dim = psi.shape[0]
    if kind == SV_CX:
        cm = 1 << q0
        tm = 1 << q1
        for i in range(dim):
            if (i & cm) != 0 and (i & tm) == 0:
                j = i | tm
                tmp = psi[i]
                psi[i] = psi[j]
                psi[j] = tmp
        return
    st = 1 << q0
    for base in range(0, dim, 2 * st):  # pairs (i, i + st) with bit q0 of i clear, no branches
        for i in range(base, base + st):
            a = psi[i]
            z = psi[i + st]
            psi[i] = m00 * a + m01 * z
            psi[i + st] = m10 * a + m11 * z


@njit(cache=True, nogil=True)
def _gate_matrix(k, g, mats, theta):  # pragma: no cover - jitted
    """The 2x2 entries of gate ``g`` of kind ``k`` at angle ``theta`` (unused for CX)."""
    if k == SV_FIXED:
        return mats[g, 0, 0], mats[g, 0, 1], mats[g, 1, 0], mats[g, 1, 1]
    c = math.cos(0.5 * theta)
    s = math.sin(0.5 * theta)
    if k == SV_RX:
        return c + 0j, -1j * s, -1j * s, c + 0j
    if k == SV_RY:
        return c + 0j, -s + 0j, s + 0j, c + 0j
    if k == SV_RZ:
        return c - 1j * s, 0j, 0j, c + 1j * s
    return 1.0 + 0j, 0j, 0j, 1.0 + 0j


@njit(cache=True, nogil=True)
def energy_and_gradient(kind, q0, q1, param, mats, theta, n, indptr, indices, data, const,
                        psi, phi, grad):  # pragma: no cover - jitted
    """E(theta) = <0|U^dag H U|0> and dE/dtheta by the adjoint method (one forward sweep, one
    backward sweep carrying H U|0>): all gradients for about three simulations, instead of the
    2P simulations of the parameter-shift rule (Jones & Gacon, arXiv 2009.02823, Sec. 2)."""
    dim = 1 << n
    for i in range(dim):
        psi[i] = 0.0
    psi[0] = 1.0
    ng = kind.shape[0]
    for g in range(ng):
        k = kind[g]
        th = theta[param[g]] if param[g] >= 0 else 0.0
        m00, m01, m10, m11 = _gate_matrix(k, g, mats, th)
        _apply_gate(k, q0[g], q1[g], m00, m01, m10, m11, psi)
    energy = 0.0
    for i in range(dim):
        row = 0j
        for kk in range(indptr[i], indptr[i + 1]):
            row += data[kk] * psi[indices[kk]]
        phi[i] = row
        energy += (psi[i].conjugate() * row).real
    for p in range(grad.shape[0]):
        grad[p] = 0.0
    for g in range(ng - 1, -1, -1):
        k = kind[g]
        p = param[g]
        if p >= 0:
            # psi = state after gate g, phi = U_{>g}^dag H U|0>: dE/dtheta = Im <phi| P |psi>
            st = 1 << q0[g]
            acc = 0j
            for base in range(0, dim, 2 * st):
                for i in range(base, base + st):
                    j = i + st
                    if k == SV_RX:
                        acc += phi[i].conjugate() * psi[j] + phi[j].conjugate() * psi[i]
                    elif k == SV_RY:
                        acc += -1j * phi[i].conjugate() * psi[j] + 1j * phi[j].conjugate() * psi[i]
                    else:
                        acc += phi[i].conjugate() * psi[i] - phi[j].conjugate() * psi[j]
            grad[p] += acc.imag
        if g == 0:
            break
        th = theta[p] if p >= 0 else 0.0
        m00, m01, m10, m11 = _gate_matrix(k, g, mats, th)
        # undo the gate: the inverse is the conjugate transpose
        a00, a01, a10, a11 = m00.conjugate(), m10.conjugate(), m01.conjugate(), m11.conjugate()
        _apply_gate(k, q0[g], q1[g], a00, a01, a10, a11, psi)
        _apply_gate(k, q0[g], q1[g], a00, a01, a10, a11, phi)
    return energy + const


@njit(cache=True, nogil=True)
def _cx_index(h, cm, tm):  # pragma: no cover - jitted
    """The ``h``-th index (ascending) with bit ``cm`` set and bit ``tm`` clear: ``h`` with zero bits
    inserted at both positions, then the control bit set."""
    lo = min(cm, tm)
    hi = max(cm, tm)
    i = ((h & ~(lo - 1)) << 1) | (h & (lo - 1))
    i = ((i & ~(hi - 1)) << 1) | (i & (hi - 1))
    return i | cm


@njit(cache=True, nogil=True)
def energy_and_gradient_fast(kind, q0, q1, param, mats, theta, n, indptr, indices, data, hre, hdense, const,
                             psi, phi, grad, cs, sn, hr, hi):  # pragma: no cover - jitted
    """:func:`energy_and_gradient` with the same result to the bit, faster (about twice for a real
    Hamiltonian matrix, which molecular Hamiltonians are: pass its CSR values as ``hre``, else an empty
    ``hre`` and the complex ``data``).

    The same floating-point operations in the same order, minus the ones whose result is known: a
    rotation's matrix entries are real or imaginary, so the products with their zero parts (which
    only add signed zeros) are left out; ``cos`` and ``sin`` of each angle are computed once per call
    (``cs``, ``sn``) instead of again on the way back; the way back takes the gradient term and undoes
    the gate on both states in one sweep. ``H`` comes as its real CSR values ``hre`` (same
    ``indptr``/``indices``) or, when ``hdense`` is (2^n, 2^n), as the dense transpose ``hdense[j, i] =
    H[i, j]``: the row sums then run over j in the same ascending order (added exact zeros change
    nothing), with the rows as the inner, vectorisable loop (``hr``, ``hi`` hold the partial sums).
    Only RX/RY/RZ carry angles; other fixed gates take the generic path.
    """
    dim = 1 << n
    for i in range(dim):
        psi[i] = 0.0
    psi[0] = 1.0
    ng = kind.shape[0]
    for g in range(ng):
        k = kind[g]
        if k == SV_CX:
            cm = 1 << q0[g]
            tm = 1 << q1[g]
            for h in range(dim >> 2):  # the indices with the control bit set and the target bit clear
                i = _cx_index(h, cm, tm)
                j = i | tm
                tmp = psi[i]
                psi[i] = psi[j]
                psi[j] = tmp
        elif k == SV_RX or k == SV_RY or k == SV_RZ:
            th = theta[param[g]]
            c = math.cos(0.5 * th)
            s = math.sin(0.5 * th)
            cs[g] = c
            sn[g] = s
            st = 1 << q0[g]
            for base in range(0, dim, 2 * st):
                for i in range(base, base + st):
                    j = i + st
                    ar = psi[i].real
                    ai = psi[i].imag
                    zr = psi[j].real
                    zi = psi[j].imag
                    if k == SV_RX:  # [[c, -is], [-is, c]]
                        psi[i] = complex(c * ar + s * zi, c * ai - s * zr)
                        psi[j] = complex(c * zr + s * ai, c * zi - s * ar)
                    elif k == SV_RY:  # [[c, -s], [s, c]]
                        psi[i] = complex(c * ar - s * zr, c * ai - s * zi)
                        psi[j] = complex(s * ar + c * zr, s * ai + c * zi)
                    else:  # diag(c - is, c + is)
                        psi[i] = complex(c * ar + s * ai, c * ai - s * ar)
                        psi[j] = complex(c * zr - s * zi, c * zi + s * zr)
        else:
            th = theta[param[g]] if param[g] >= 0 else 0.0
            m00, m01, m10, m11 = _gate_matrix(k, g, mats, th)
            _apply_gate(k, q0[g], q1[g], m00, m01, m10, m11, psi)
    energy = 0.0
    if hdense.shape[0] == dim:
        for i in range(dim):
            hr[i] = 0.0
            hi[i] = 0.0
        for j in range(dim):
            pr = psi[j].real
            pim = psi[j].imag
            for i in range(dim):
                d = hdense[j, i]
                hr[i] = hr[i] + d * pr
                hi[i] = hi[i] + d * pim
        for i in range(dim):
            phi[i] = complex(hr[i], hi[i])
            energy += psi[i].real * hr[i] + psi[i].imag * hi[i]
    elif hre.shape[0] == indices.shape[0]:
        for i in range(dim):
            rr = 0.0
            ri = 0.0
            for kk in range(indptr[i], indptr[i + 1]):
                d = hre[kk]
                p = psi[indices[kk]]
                rr = rr + d * p.real
                ri = ri + d * p.imag
            phi[i] = complex(rr, ri)
            energy += psi[i].real * rr + psi[i].imag * ri
    else:  # complex H: energy_and_gradient's products
        for i in range(dim):
            row = 0j
            for kk in range(indptr[i], indptr[i + 1]):
                row += data[kk] * psi[indices[kk]]
            phi[i] = row
            energy += (psi[i].conjugate() * row).real
    for p in range(grad.shape[0]):
        grad[p] = 0.0
    for g in range(ng - 1, -1, -1):
        k = kind[g]
        p = param[g]
        if k == SV_RX or k == SV_RY or k == SV_RZ:
            # Im of the gradient sum of energy_and_gradient, then the inverse gate on psi and phi
            c = cs[g]
            s = sn[g]
            st = 1 << q0[g]
            acc = 0.0
            undo = g > 0
            for base in range(0, dim, 2 * st):
                for i in range(base, base + st):
                    j = i + st
                    ar = psi[i].real
                    ai = psi[i].imag
                    zr = psi[j].real
                    zi = psi[j].imag
                    fr = phi[i].real
                    fi = phi[i].imag
                    hr_ = phi[j].real
                    hi_ = phi[j].imag
                    if k == SV_RX:
                        acc += (fr * zi - fi * zr) + (hr_ * ai - hi_ * ar)
                        if undo:
                            psi[i] = complex(c * ar - s * zi, c * ai + s * zr)
                            psi[j] = complex(c * zr - s * ai, s * ar + c * zi)
                            phi[i] = complex(c * fr - s * hi_, c * fi + s * hr_)
                            phi[j] = complex(c * hr_ - s * fi, s * fr + c * hi_)
                    elif k == SV_RY:
                        acc += (hi_ * ai + hr_ * ar) - (fi * zi + fr * zr)
                        if undo:
                            psi[i] = complex(c * ar + s * zr, c * ai + s * zi)
                            psi[j] = complex(c * zr - s * ar, c * zi - s * ai)
                            phi[i] = complex(c * fr + s * hr_, c * fi + s * hi_)
                            phi[j] = complex(c * hr_ - s * fr, c * hi_ - s * fi)
                    else:
                        acc += (fr * ai - fi * ar) - (hr_ * zi - hi_ * zr)
                        if undo:
                            psi[i] = complex(c * ar - s * ai, c * ai + s * ar)
                            psi[j] = complex(c * zr + s * zi, c * zi - s * zr)
                            phi[i] = complex(c * fr - s * fi, c * fi + s * fr)
                            phi[j] = complex(c * hr_ + s * hi_, c * hi_ - s * hr_)
            grad[p] += acc
            if not undo:
                break
        elif g == 0:
            break
        elif k == SV_CX:
            cm = 1 << q0[g]
            tm = 1 << q1[g]
            for h in range(dim >> 2):
                i = _cx_index(h, cm, tm)
                j = i | tm
                tmp = psi[i]
                psi[i] = psi[j]
                psi[j] = tmp
                tmp = phi[i]
                phi[i] = phi[j]
                phi[j] = tmp
        else:
            th = theta[p] if p >= 0 else 0.0
            m00, m01, m10, m11 = _gate_matrix(k, g, mats, th)
            a00, a01, a10, a11 = m00.conjugate(), m10.conjugate(), m01.conjugate(), m11.conjugate()
            _apply_gate(k, q0[g], q1[g], a00, a01, a10, a11, psi)
            _apply_gate(k, q0[g], q1[g], a00, a01, a10, a11, phi)
    return energy + const


@njit(cache=True, nogil=True)
def bfgs_adjoint(kind, q0, q1, param, mats, x0, n, indptr, indices, data, const, maxiter, gtol,
                 xout, stats):  # pragma: no cover - jitted
    """BFGS with a backtracking Armijo line search on adjoint gradients, entirely compiled.

    The inverse-Hessian update is the textbook one (Nocedal & Wright, Numerical Optimization,
    Alg. 6.1, with the first-step scaling of Eq. 6.20); an update with non-positive curvature is
    skipped. Writes the minimiser to ``xout``; ``stats`` (float) = [energy-and-gradient
    evaluations, iterations, max |gradient| at ``x0``]. Returns the minimum energy found.
    ``data`` is H's complex CSR values; every energy and gradient comes from
    :func:`energy_and_gradient_fast` (the bits of :func:`energy_and_gradient`), and
    :func:`bfgs_adjoint_real` is the same solve, faster still, for a real H.
    """
    return _bfgs(kind, q0, q1, param, mats, x0, n, indptr, indices, data, np.empty(0), np.empty((0, 0)),
                 const, maxiter, gtol, xout, stats)


@njit(cache=True, nogil=True)
def bfgs_adjoint_real(kind, q0, q1, param, mats, x0, n, indptr, indices, hre, hdense, const, maxiter, gtol,
                      xout, stats):  # pragma: no cover - jitted
    """:func:`bfgs_adjoint` for a real H (CSR values ``hre``, or ``hdense`` as in
    :func:`energy_and_gradient_fast`): the same iterates and result to the bit, faster."""
    return _bfgs(kind, q0, q1, param, mats, x0, n, indptr, indices, np.empty(0, dtype=np.complex128), hre,
                 hdense, const, maxiter, gtol, xout, stats)


@njit(cache=True, nogil=True)
def _bfgs(kind, q0, q1, param, mats, x0, n, indptr, indices, data, hre, hdense, const, maxiter, gtol, xout,
          stats):  # pragma: no cover - jitted
    """The loop of :func:`bfgs_adjoint` and :func:`bfgs_adjoint_real` (H as in
    :func:`energy_and_gradient_fast`, which computes every energy and gradient)."""
    p = x0.shape[0]
    dim = 1 << n
    psi = np.empty(dim, dtype=np.complex128)
    phi = np.empty(dim, dtype=np.complex128)
    cs = np.empty(kind.shape[0])
    sn = np.empty(kind.shape[0])
    hr = np.empty(dim)
    hi = np.empty(dim)
    x = x0.copy()
    g = np.empty(p)
    f = energy_and_gradient_fast(kind, q0, q1, param, mats, x, n, indptr, indices, data, hre, hdense, const,
                                 psi, phi, g, cs, sn, hr, hi)
    stats[2] = _max_abs(g)
    return _bfgs_from(kind, q0, q1, param, mats, x, f, g, n, indptr, indices, data, hre, hdense, const,
                      maxiter, gtol, xout, stats, psi, phi, cs, sn, hr, hi)


@njit(cache=True, nogil=True)
def _max_abs(g):  # pragma: no cover - jitted
    out = 0.0
    for i in range(g.shape[0]):
        if abs(g[i]) > out:
            out = abs(g[i])
    return out


@njit(cache=True, nogil=True)
def _bfgs_from(kind, q0, q1, param, mats, x, f, g, n, indptr, indices, data, hre, hdense, const, maxiter,
               gtol, xout, stats, psi, phi, cs, sn, hr, hi):  # pragma: no cover - jitted
    """The BFGS iterations of :func:`_bfgs` from ``x`` whose energy ``f`` and gradient ``g`` are known
    (one evaluation, counted in ``stats[0]``); ``x`` and ``g`` are overwritten, ``psi`` ... ``hi`` are
    scratch (sizes as in :func:`_bfgs`). Writes ``xout``, ``stats[0]`` and ``stats[1]``; returns the
    energy."""
    p = x.shape[0]
    nfev = 1
    hinv = np.eye(p)
    xn = np.empty(p)
    gn = np.empty(p)
    d = np.empty(p)
    s = np.empty(p)
    y = np.empty(p)
    hy = np.empty(p)
    it = 0
    while it < maxiter:
        gmax = 0.0
        for i in range(p):
            if abs(g[i]) > gmax:
                gmax = abs(g[i])
        if gmax <= gtol:
            break
        slope = 0.0
        for i in range(p):
            acc = 0.0
            for j in range(p):
                acc -= hinv[i, j] * g[j]
            d[i] = acc
            slope += acc * g[i]
        if slope >= 0.0:  # not a descent direction: restart from steepest descent
            for i in range(p):
                for j in range(p):
                    hinv[i, j] = 1.0 if i == j else 0.0
                d[i] = -g[i]
            slope = 0.0
            for i in range(p):
                slope -= g[i] * g[i]
        step = 1.0
        accepted = False
        fn = f
        for _ in range(40):
            for i in range(p):
                xn[i] = x[i] + step * d[i]
            fn = energy_and_gradient_fast(kind, q0, q1, param, mats, xn, n, indptr, indices, data, hre,
                                          hdense, const, psi, phi, gn, cs, sn, hr, hi)
            nfev += 1
            if fn <= f + 1e-4 * step * slope:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            break
        sy = 0.0
        yy = 0.0
        for i in range(p):
            s[i] = xn[i] - x[i]
            y[i] = gn[i] - g[i]
            sy += s[i] * y[i]
            yy += y[i] * y[i]
        df = f - fn
        for i in range(p):
            x[i] = xn[i]
            g[i] = gn[i]
        f = fn
        it += 1
        if sy > 1e-12:
            if it == 1:  # scale the initial inverse Hessian to the observed curvature
                sc = sy / yy
                for i in range(p):
                    for j in range(p):
                        hinv[i, j] *= sc
            rho = 1.0 / sy
            yhy = 0.0
            for i in range(p):
                acc = 0.0
                for j in range(p):
                    acc += hinv[i, j] * y[j]
                hy[i] = acc
                yhy += y[i] * acc
            # H <- H - rho (H y s^T + s y^T H) + (rho^2 y^T H y + rho) s s^T
            c2 = rho * rho * yhy + rho
            for i in range(p):
                for j in range(p):
                    hinv[i, j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + c2 * s[i] * s[j]
        if df <= 1e-15 * max(1.0, abs(f)):
            break
    for i in range(p):
        xout[i] = x[i]
    stats[0] = nfev
    stats[1] = it
    return f


@njit(cache=True, nogil=True)
def bfgs_adjoint_batch(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices, data,
                       const, maxiter, gtol, xout, stats, fout):  # pragma: no cover - jitted
    """Many independent :func:`bfgs_adjoint` solves in one call (without the GIL, so callers can split
    the jobs over threads).

    Circuit ``c`` is row ``c`` of the padded gate arrays (``kind``, ``q0``, ``q1``, ``param``: (C, L);
    ``mats``: (C, L, 2, 2)) cut at ``glen[c]`` gates; job ``j`` minimises circuit ``job_circ[j]`` from
    ``x0[j, :plen[j]]``, writing ``xout[j]``, ``stats[j]`` and ``fout[j]``. Each solve is exactly the
    single-circuit kernel (same arithmetic, same result); the batch only removes the per-call
    Python overhead of a vector environment's N circuits. :func:`bfgs_adjoint_batch_real` is the
    same for a real H.
    """
    _batch(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices, data, np.empty(0),
           np.empty((0, 0)), const, maxiter, gtol, xout, stats, fout)


@njit(cache=True, nogil=True)
def bfgs_adjoint_batch_real(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices, hre,
                            hdense, const, maxiter, gtol, xout, stats, fout):  # pragma: no cover - jitted
    """:func:`bfgs_adjoint_batch` with :func:`bfgs_adjoint_real` solves (a real H)."""
    _batch(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices,
           np.empty(0, dtype=np.complex128), hre, hdense, const, maxiter, gtol, xout, stats, fout)


@njit(cache=True, nogil=True)
def _batch(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices, data, hre, hdense, const,
           maxiter, gtol, xout, stats, fout):  # pragma: no cover - jitted
    st = np.zeros(3)
    for j in range(job_circ.shape[0]):
        c = job_circ[j]
        m = glen[c]
        p = plen[j]
        xj = np.empty(p)
        for i in range(p):
            xj[i] = x0[j, i]
        xo = np.empty(p)
        fout[j] = _bfgs(kind[c, :m], q0[c, :m], q1[c, :m], param[c, :m], mats[c, :m], xj, n, indptr, indices,
                        data, hre, hdense, const, maxiter, gtol, xo, st)
        for i in range(p):
            xout[j, i] = xo[i]
        for i in range(3):
            stats[j, i] = st[i]


@njit(cache=True, nogil=True)
def gradient_max_batch_real(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices, hre,
                            hdense, const, out):  # pragma: no cover - jitted
    """``out[j]`` = max |gradient| of circuit ``job_circ[j]`` at ``x0[j, :plen[j]]`` (arrays as in
    :func:`bfgs_adjoint_batch`; a real H as in :func:`bfgs_adjoint_real`): the ``stats[j, 2]`` a solve
    from there reports, to the bit, before running it."""
    dim = 1 << n
    psi = np.empty(dim, dtype=np.complex128)
    phi = np.empty(dim, dtype=np.complex128)
    hr = np.empty(dim)
    hi = np.empty(dim)
    data = np.empty(0, dtype=np.complex128)
    for j in range(job_circ.shape[0]):
        c = job_circ[j]
        m = glen[c]
        p = plen[j]
        x = np.empty(p)
        for i in range(p):
            x[i] = x0[j, i]
        g = np.empty(p)
        cs = np.empty(m)
        sn = np.empty(m)
        energy_and_gradient_fast(kind[c, :m], q0[c, :m], q1[c, :m], param[c, :m], mats[c, :m], x, n, indptr,
                                 indices, data, hre, hdense, const, psi, phi, g, cs, sn, hr, hi)
        gmax = 0.0
        for i in range(p):
            if abs(g[i]) > gmax:
                gmax = abs(g[i])
        out[j] = gmax


#: ``bfgs_step_batch_real``'s shared counters: warm-start gradients claimed, jobs claimed
STEP_CLAIMED, STEP_JOBS = 0, 1


@njit(cache=True, nogil=True)
def bfgs_step_batch_real(kind, q0, q1, param, mats, glen, circ, x0, plen, n, indptr, indices, hre, hdense,
                         const, maxiter, gtol, stationary, near_scale, restart_scale, restarts, z, order,
                         counters, done, f0, g0, gmax0, xout, fout):  # pragma: no cover - jitted
    """All solves of one step of ``AdjointBFGS.minimize`` for circuits ``circ[e]`` (rows of the padded
    gate arrays, as in :func:`bfgs_adjoint_batch`; a real H as in :func:`bfgs_adjoint_real`), each
    warm-started from ``x0[e, :plen[e]]``, the same solves and results to the bit, split over every
    thread that calls this kernel at once with the same arrays: they claim work items one at a time
    by :func:`fetch_add` on ``counters`` (int64[2] of zeros) and never wait for each other (one
    thread alone also does it all).

    First the energy and gradient at each warm start (``f0[e]``, ``g0[e]``, ``gmax0[e]`` = max
    |gradient|, which decides the further starts; ``done[e]``, int64 zeros, is set once they are
    written). Then the jobs ``j = e * (R + 2) + k`` in the order ``order`` (``R`` = ``restarts``):
    ``k = 0`` the warm start, continuing from ``f0[e]``, ``g0[e]`` (not evaluated twice); ``k = 1``
    the nearby point ``x0 + (0 + near_scale * z_0)`` after a stationary start (``gmax0[e] <
    stationary``; else skipped); ``k = 2 + r`` restart ``r`` from ``x0 + (0 + restart_scale * z_{r +
    s})``, ``s`` = 1 after a stationary start, else 0. A job whose warm-start gradient another thread
    is still computing computes it again itself (the same numbers) rather than wait.
    ``z_b = z[e, b * p:(b + 1) * p]`` is the ``b``-th block of ``p`` standard normals of env ``e``'s
    stream, drawn in order: ``rng.normal(0, scale, p)`` is exactly ``0 + scale * z`` for the same
    stream, so both cases (stationary or not) read their draws from one array and the caller rewinds
    the stream after a non-stationary start. A circuit without angles only gets its energy
    (``k = 0``). Writes ``xout[j, :p]``, ``fout[j]`` (``inf`` for a skipped job)."""
    n_e = circ.shape[0]
    n_k = restarts + 2
    dim = 1 << n
    big = kind.shape[1]
    psi = np.empty(dim, dtype=np.complex128)
    phi = np.empty(dim, dtype=np.complex128)
    cs = np.empty(big)
    sn = np.empty(big)
    hr = np.empty(dim)
    hi = np.empty(dim)
    data = np.empty(0, dtype=np.complex128)
    st = np.zeros(3)
    while True:  # the warm-start gradients
        e = fetch_add(counters, STEP_CLAIMED, 1)
        if e >= n_e:
            break
        c = circ[e]
        m = glen[c]
        p = plen[e]
        f0[e] = energy_and_gradient_fast(kind[c, :m], q0[c, :m], q1[c, :m], param[c, :m], mats[c, :m],
                                         x0[e, :p], n, indptr, indices, data, hre, hdense, const, psi, phi,
                                         g0[e, :p], cs, sn, hr, hi)
        gmax0[e] = _max_abs(g0[e, :p])
        fetch_add(done, e, 1)  # publishes f0[e], g0[e], gmax0[e]
    n_jobs = n_e * n_k
    while True:  # the solves
        t = fetch_add(counters, STEP_JOBS, 1)
        if t >= n_jobs:
            break
        j = order[t]
        e = j // n_k
        k = j - e * n_k
        c = circ[e]
        m = glen[c]
        p = plen[e]
        fout[j] = np.inf
        x = np.empty(p)
        g = np.empty(p)
        for i in range(p):
            x[i] = x0[e, i]
        if atomic_load(done, e) > 0:
            f = f0[e]
            for i in range(p):
                g[i] = g0[e, i]
            gm = gmax0[e]
        else:  # still being computed by another thread: the same evaluation here
            f = energy_and_gradient_fast(kind[c, :m], q0[c, :m], q1[c, :m], param[c, :m], mats[c, :m], x, n,
                                         indptr, indices, data, hre, hdense, const, psi, phi, g, cs, sn, hr,
                                         hi)
            gm = _max_abs(g)
        still = gm < stationary
        if k > 0:
            if p == 0 or (k == 1 and not still):
                continue
            if k == 1:
                scale = near_scale
                b = 0
            else:
                scale = restart_scale
                b = k - 2 + (1 if still else 0)
            for i in range(p):
                x[i] = x0[e, i] + (0.0 + scale * z[e, b * p + i])
            f = energy_and_gradient_fast(kind[c, :m], q0[c, :m], q1[c, :m], param[c, :m], mats[c, :m], x, n,
                                         indptr, indices, data, hre, hdense, const, psi, phi, g, cs, sn, hr,
                                         hi)
        fout[j] = _bfgs_from(kind[c, :m], q0[c, :m], q1[c, :m], param[c, :m], mats[c, :m], x, f, g, n, indptr,
                             indices, data, hre, hdense, const, maxiter, gtol, xout[j, :p], st, psi, phi, cs,
                             sn, hr, hi)


@njit(cache=True, nogil=True)
def keep_best_starts(circ, plen, gmax0, stationary, xout, fout, thetas, energy):  # pragma: no cover - jitted
    """``AdjointBFGS.minimize``'s choice among the starts of :func:`bfgs_step_batch_real` (jobs ``e * (R +
    2) + k``): the warm start, then the nearby point (after a stationary start), then the restarts in
    order, each kept when strictly lower; writes ``thetas[circ[e], :p]`` and ``energy[circ[e]]``."""
    n_k = fout.shape[0] // max(circ.shape[0], 1)
    for e in range(circ.shape[0]):
        p = plen[e]
        best = e * n_k
        if p > 0:
            for k in range(1, n_k):
                if k == 1 and not gmax0[e] < stationary:
                    continue
                if fout[e * n_k + k] < fout[best]:
                    best = e * n_k + k
        c = circ[e]
        for i in range(p):
            thetas[c, i] = xout[best, i]
        energy[c] = fout[best]


@njit(cache=True, nogil=True)
def bfgs_adjoint_reference(kind, q0, q1, param, mats, x0, n, indptr, indices, data, const, maxiter,
                           gtol, xout, stats):  # pragma: no cover - jitted
    """The BFGS loop of :func:`bfgs_adjoint` on the reference :func:`energy_and_gradient` (the kernel
    before the faster evaluation; kept as the reference for tests and benchmarks: same iterates and
    result to the bit, slower)."""
    p = x0.shape[0]
    dim = 1 << n
    psi = np.empty(dim, dtype=np.complex128)
    phi = np.empty(dim, dtype=np.complex128)
    x = x0.copy()
    g = np.empty(p)
    f = energy_and_gradient(kind, q0, q1, param, mats, x, n, indptr, indices, data, const, psi, phi, g)
    nfev = 1
    gmax0 = 0.0
    for i in range(p):
        if abs(g[i]) > gmax0:
            gmax0 = abs(g[i])
    stats[2] = gmax0
    hinv = np.eye(p)
    xn = np.empty(p)
    gn = np.empty(p)
    d = np.empty(p)
    s = np.empty(p)
    y = np.empty(p)
    hy = np.empty(p)
    it = 0
    while it < maxiter:
        gmax = 0.0
        for i in range(p):
            if abs(g[i]) > gmax:
                gmax = abs(g[i])
        if gmax <= gtol:
            break
        slope = 0.0
        for i in range(p):
            acc = 0.0
            for j in range(p):
                acc -= hinv[i, j] * g[j]
            d[i] = acc
            slope += acc * g[i]
        if slope >= 0.0:  # not a descent direction: restart from steepest descent
            for i in range(p):
                for j in range(p):
                    hinv[i, j] = 1.0 if i == j else 0.0
                d[i] = -g[i]
            slope = 0.0
            for i in range(p):
                slope -= g[i] * g[i]
        step = 1.0
        accepted = False
        fn = f
        for _ in range(40):
            for i in range(p):
                xn[i] = x[i] + step * d[i]
            fn = energy_and_gradient(kind, q0, q1, param, mats, xn, n, indptr, indices, data, const,
                                     psi, phi, gn)
            nfev += 1
            if fn <= f + 1e-4 * step * slope:
                accepted = True
                break
            step *= 0.5
        if not accepted:
            break
        sy = 0.0
        yy = 0.0
        for i in range(p):
            s[i] = xn[i] - x[i]
            y[i] = gn[i] - g[i]
            sy += s[i] * y[i]
            yy += y[i] * y[i]
        df = f - fn
        for i in range(p):
            x[i] = xn[i]
            g[i] = gn[i]
        f = fn
        it += 1
        if sy > 1e-12:
            if it == 1:  # scale the initial inverse Hessian to the observed curvature
                sc = sy / yy
                for i in range(p):
                    for j in range(p):
                        hinv[i, j] *= sc
            rho = 1.0 / sy
            yhy = 0.0
            for i in range(p):
                acc = 0.0
                for j in range(p):
                    acc += hinv[i, j] * y[j]
                hy[i] = acc
                yhy += y[i] * acc
            # H <- H - rho (H y s^T + s y^T H) + (rho^2 y^T H y + rho) s s^T
            c2 = rho * rho * yhy + rho
            for i in range(p):
                for j in range(p):
                    hinv[i, j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + c2 * s[i] * s[j]
        if df <= 1e-15 * max(1.0, abs(f)):
            break
    for i in range(p):
        xout[i] = x[i]
    stats[0] = nfev
    stats[1] = it
    return f


@njit(cache=True, nogil=True)
def bfgs_adjoint_batch_reference(kind, q0, q1, param, mats, glen, job_circ, x0, plen, n, indptr, indices,
                                 data, const, maxiter, gtol, xout, stats, fout):  # pragma: no cover - jitted
    """:func:`bfgs_adjoint_batch` with :func:`bfgs_adjoint_reference` solves (the batch kernel before the
    faster evaluation, kept as the reference for tests and benchmarks)."""
    for j in range(job_circ.shape[0]):
        c = job_circ[j]
        m = glen[c]
        p = plen[j]
        xj = np.empty(p)
        for i in range(p):
            xj[i] = x0[j, i]
        xo = np.empty(p)
        st = np.zeros(3)
        fout[j] = bfgs_adjoint_reference(kind[c, :m].copy(), q0[c, :m].copy(), q1[c, :m].copy(),
                                         param[c, :m].copy(), mats[c, :m].copy(), xj, n, indptr, indices,
                                         data, const, maxiter, gtol, xo, st)
        for i in range(p):
            xout[j, i] = xo[i]
        for i in range(3):
            stats[j, i] = st[i]


@njit(cache=True, nogil=True)
def active_gate_counts(kind, q0, q1, param, is_x, glen, skip, thetas, atol, out):  # pragma: no cover
    """Per circuit ``c`` (padded rows as in :func:`bfgs_adjoint_batch`, angles ``thetas[c]``): ``out[c]`` =
    [active gates, active CX] among gates ``skip[c]..glen[c]``, by the rule of
    ``qdesign.quantum.circuit.active_gates`` (rotations by multiples of 2 pi, RZ on a known basis
    state and CX with a known-|0> control do nothing; X flips a known bit; other fixed gates make
    their qubits unknown)."""
    nq = 0
    for c in range(kind.shape[0]):
        for g in range(glen[c]):
            nq = max(nq, q0[c, g] + 1, q1[c, g] + 1)
    known = np.zeros(max(nq, 1), dtype=np.int64)
    two_pi = 2.0 * math.pi
    for c in range(kind.shape[0]):
        known[:] = 0
        n_act = 0
        n_cx = 0
        for g in range(glen[c]):
            k = kind[c, g]
            act = True
            if k == SV_RX or k == SV_RY or k == SV_RZ:
                q = q0[c, g]
                turns = thetas[c, param[c, g]] / two_pi
                if abs(turns - round(turns)) * two_pi <= atol or (k == SV_RZ and known[q] >= 0):
                    act = False
                else:
                    known[q] = -1
            elif k == SV_CX:
                a = q0[c, g]
                t = q1[c, g]
                if known[a] == 0:
                    act = False
                elif known[a] == 1:
                    known[t] = -1 if known[t] < 0 else 1 - known[t]
                else:
                    known[t] = -1
            elif is_x[c, g]:
                q = q0[c, g]
                known[q] = -1 if known[q] < 0 else 1 - known[q]
            else:
                known[q0[c, g]] = -1
                known[q1[c, g]] = -1
            if act and g >= skip[c]:
                n_act += 1
                if k == SV_CX:
                    n_cx += 1
        out[c, 0] = n_act
        out[c, 1] = n_cx
