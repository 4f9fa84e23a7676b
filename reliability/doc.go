// Package reliability holds the tests that treat the Tasks API as a whole system under
// faults and load: the handler binary, real Azurite and a loopback key set, driven by many
// simulated users at once. It has no code of its own; see docs/security.md for what each
// test proves and `make soak` for the long versions.
package reliability
