package tasks

import (
	"testing"
	"time"
)

// When every id of a millisecond has been handed out, the next id borrows the following
// millisecond rather than failing or wrapping round to an id that sorts after older ones.
func TestIDsBorrowTheNextMillisecondWhenOneIsExhausted(t *testing.T) {
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	g := NewIDGenerator(func() time.Time { return clock })
	g.New()
	g.lastRnd = [9]byte{} // the smallest random part: one less would underflow
	last := encodeBase32(rawID(g.lastMS, g.lastRnd))
	next := g.New()
	if next >= last {
		t.Fatalf("after the millisecond's last id %s came %s, which does not sort before it", last, next)
	}
	if g.lastMS != uint64(clock.UnixMilli())+1 {
		t.Errorf("the id's millisecond is %d, want the next one, %d", g.lastMS, clock.UnixMilli()+1)
	}
	if !IsID(next) {
		t.Errorf("IsID(%q) = false", next)
	}
}
