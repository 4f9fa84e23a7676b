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
// ordered by creation time, newest first: a task's id is its row key, Table Storage returns a
// partition in row-key order only, and a list is read newest first (docs/scale.md, "Newest
// first"). An id is 128 bits written as 26 Crockford base32 digits, as in a ULID: 8 zero bits
// (the id starts "00"), the 48-bit millisecond subtracted from 2^48-1, then 72 random bits.
// Within one millisecond the random part counts down, so ids made by one process sort newest
// first too. Ids are never reused: a deleted task's id is gone for good.
//
// Ids made before this layout (ULIDs proper: the millisecond itself first, so oldest first)
// stay valid: IsID accepts both. They start "01" (any millisecond from 2004 to 2039, 2^40 to
// 2^41) or later digits, so they sort after every id made now: a list shows the newest-first
// tasks, then the tasks stored before, oldest first among themselves.
//
// Why not github.com/oklog/ulid/v2 (read at v2.1.2, ulid.go): its ids sort oldest first, and
// its monotonic entropy (MonotonicEntropy.MonotonicRead) counts up only while the millisecond
// it is given equals the last one. When the wall clock steps back, as NTP may make it, it
// draws fresh entropy for the earlier millisecond and the new id sorts on the wrong side of
// ids already handed out; here the last millisecond is kept and counted on. When the count
// runs out it returns ErrMonotonicOverflow, where this borrows the next millisecond, so New
// never fails. Its ready default entropy (Make) is math/rand seeded with the time, not
// crypto/rand. What would be left to save is the base32 encoder below.
type IDGenerator struct {
	mu      sync.Mutex
	now     func() time.Time
	lastMS  uint64
	lastRnd [9]byte
}

// NewIDGenerator returns a generator reading the clock from now (nil: time.Now).
func NewIDGenerator(now func() time.Time) *IDGenerator {
	if now == nil {
		now = time.Now
	}
	return &IDGenerator{now: now}
}

// maxMillis is the largest 48-bit millisecond (the year 10889).
const maxMillis = 1<<48 - 1

// New returns the next id: it sorts before every id this generator made earlier.
func (g *IDGenerator) New() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := uint64(g.now().UnixMilli())
	switch {
	case ms > g.lastMS:
		rand.Read(g.lastRnd[:]) // crypto/rand never fails (Go 1.24+)
	case decrement(&g.lastRnd):
		ms = g.lastMS // same (or an earlier) millisecond: count down to keep the order
	default:
		ms = g.lastMS + 1 // 2^72 ids in one millisecond: borrow the next one
		rand.Read(g.lastRnd[:])
	}
	g.lastMS = ms
	return encodeBase32(rawID(ms, g.lastRnd))
}

// rawID lays out the 128 bits of an id: 8 zero bits, the inverted 48-bit millisecond, then
// the random part.
func rawID(ms uint64, rnd [9]byte) [16]byte {
	var raw [16]byte
	inv := maxMillis - ms&maxMillis
	binary.BigEndian.PutUint16(raw[1:3], uint16(inv>>32))
	binary.BigEndian.PutUint32(raw[3:7], uint32(inv))
	copy(raw[7:], rnd[:])
	return raw
}

// decrement subtracts one from b as a big-endian number; false when b was zero.
func decrement(b *[9]byte) bool {
	for i := len(b) - 1; i >= 0; i-- {
		b[i]--
		if b[i] != 0xff {
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

// IsID reports whether s has the form New produces (or the oldest-first ULID form ids had
// before; both are 26 Crockford digits, the first 0-7), so that anything else can be answered
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
