package tasks

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// IDLength is the length of a task id: 26 characters of Crockford base32, as in a ULID.
const IDLength = 26

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// IDGenerator makes task ids that are unique, URL-safe, valid Table Storage row keys and
// ordered by creation time: a 48-bit millisecond timestamp followed by 80 random bits (the
// ULID layout). Within one millisecond the random part is incremented, so ids made by one
// process sort in the order they were made. Ids are never reused: a deleted task's id is
// gone for good, unlike the len+1 scheme this design replaces.
//
// Why not github.com/oklog/ulid/v2 (read at v2.1.2, ulid.go): its text form is the same as
// this one, but its monotonic entropy (MonotonicEntropy.MonotonicRead) counts up only while
// the millisecond it is given equals the last one. When the wall clock steps back, as NTP
// may make it, it draws fresh entropy for the earlier millisecond and the new id sorts
// before ids already handed out; here the last millisecond is kept and counted on. When the
// count overflows it returns ErrMonotonicOverflow, where this borrows the next millisecond,
// so New never fails. Its lock (LockedMonotonicReader) covers the entropy but not the clock
// reading, so keeping order would still need this lock and state around it; and its ready
// default entropy (Make) is math/rand seeded with the time, not crypto/rand. What would be
// left to save is the base32 encoder below.
type IDGenerator struct {
	mu      sync.Mutex
	now     func() time.Time
	lastMS  uint64
	lastRnd [10]byte
}

// NewIDGenerator returns a generator reading the clock from now (nil: time.Now).
func NewIDGenerator(now func() time.Time) *IDGenerator {
	if now == nil {
		now = time.Now
	}
	return &IDGenerator{now: now}
}

// New returns the next id.
func (g *IDGenerator) New() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := uint64(g.now().UnixMilli())
	switch {
	case ms > g.lastMS:
		rand.Read(g.lastRnd[:]) // crypto/rand never fails (Go 1.24+)
	case increment(&g.lastRnd):
		ms = g.lastMS // same (or an earlier) millisecond: count up to keep the order
	default:
		ms = g.lastMS + 1 // 2^80 ids in one millisecond: borrow the next one
		rand.Read(g.lastRnd[:])
	}
	g.lastMS = ms
	return encodeBase32(rawID(ms, g.lastRnd))
}

// rawID lays out the 128 bits of an id: the 48-bit millisecond, then the random part.
func rawID(ms uint64, rnd [10]byte) [16]byte {
	var raw [16]byte
	binary.BigEndian.PutUint16(raw[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(raw[2:6], uint32(ms))
	copy(raw[6:], rnd[:])
	return raw
}

// increment adds one to b as a big-endian number; false on overflow.
func increment(b *[10]byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		b[i]++
		if b[i] != 0 {
			return true
		}
	}
	return false
}

// encodeBase32 writes 128 bits as 26 Crockford base32 digits, most significant first
// (the first digit holds only 3 bits).
func encodeBase32(raw [16]byte) string {
	hi := binary.BigEndian.Uint64(raw[0:8])
	lo := binary.BigEndian.Uint64(raw[8:16])
	var out [IDLength]byte
	for i := IDLength - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// IsID reports whether s has the form New produces, so that anything else can be answered
// with 404 before it reaches storage (where / # ? \ would be rejected or misread as keys).
func IsID(s string) bool {
	if len(s) != IDLength || s[0] > '7' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isCrockford(s[i]) {
			return false
		}
	}
	return true
}

func isCrockford(c byte) bool {
	switch {
	case '0' <= c && c <= '9':
		return true
	case 'A' <= c && c <= 'Z':
		return c != 'I' && c != 'L' && c != 'O' && c != 'U'
	}
	return false
}
