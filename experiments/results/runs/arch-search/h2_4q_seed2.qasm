OPENQASM 3.0;
include "stdgates.inc";
qubit[4] q;
ry(3.3677289218581743) q[2];
ry(-2.5192162829232057e-09) q[0];
rx(-pi) q[1];
cx q[2], q[1];
cx q[1], q[3];
cx q[2], q[0];
