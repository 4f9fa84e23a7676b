package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// userIDs makes the pseudonymous user id of a request's log lines: the first 16 hex digits of
// HMAC-SHA256(key, tid + "/" + oid). One user's requests can be followed across lines and
// instances (with one key), while a line alone does not say who the user is: without the key
// nobody can go from an oid to its id or back, so the logs hold no personal identifier.
// 64 bits keep ids apart for far more users than a tenant has.
type userIDs struct {
	pool sync.Pool // *userIDHasher
}

// userIDHasher is one HMAC with its scratch space: the HMAC's keyed state is computed once
// and Reset restores it, so a request costs two SHA-256 blocks and no allocation but the id.
type userIDHasher struct {
	mac hash.Hash
	in  []byte
	sum []byte
}

// UserIDKeyBytes is the least key length USER_ID_KEY takes: SHA-256's output size, below
// which an HMAC key is weaker than the hash (RFC 2104 §3).
const UserIDKeyBytes = 32

// newUserIDs returns the ids under key; a nil key means a random one, good for this process
// only (main says so in a WARN line).
func newUserIDs(key []byte) *userIDs {
	if len(key) == 0 {
		key = make([]byte, UserIDKeyBytes)
		rand.Read(key)
	}
	key = append([]byte(nil), key...)
	u := &userIDs{}
	u.pool.New = func() any {
		return &userIDHasher{mac: hmac.New(sha256.New, key), in: make([]byte, 0, 128), sum: make([]byte, 0, sha256.Size)}
	}
	return u
}

// of is the id of the user oid of tenant tid.
func (u *userIDs) of(tid, oid string) string {
	h := u.pool.Get().(*userIDHasher)
	h.mac.Reset()
	h.in = append(append(append(h.in[:0], tid...), '/'), oid...)
	h.mac.Write(h.in)
	h.sum = h.mac.Sum(h.sum[:0])
	var out [16]byte
	hex.Encode(out[:], h.sum[:8])
	u.pool.Put(h)
	return string(out[:])
}
