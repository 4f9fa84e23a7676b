package devstack

import (
	"errors"
	"fmt"
	"testing"
)

// TestAProcessThatLosesItsFreePortIsStartedOnAnother: between FreePort and the child's listen, another
// program can take the port; the child then exits before it is ready. A port the caller picked is
// never traded for another; one FreePort picked is, a few times.
func TestAProcessThatLosesItsFreePortIsStartedOnAnother(t *testing.T) {
	var tried []int
	err := onFreePort(0, func(port int) error {
		tried = append(tried, port)
		if len(tried) == 1 {
			return fmt.Errorf("the handler %w (exit status 1)", errExited)
		}
		return nil
	})
	if err != nil || len(tried) != 2 || tried[0] == 0 || tried[1] == 0 {
		t.Errorf("free port: tried %v, err %v; want a second free port after the first was lost", tried, err)
	}

	tried = nil
	err = onFreePort(4242, func(port int) error {
		tried = append(tried, port)
		return fmt.Errorf("the handler %w", errExited)
	})
	if !errors.Is(err, errExited) || len(tried) != 1 || tried[0] != 4242 {
		t.Errorf("fixed port: tried %v, err %v; want one try on 4242 and its error", tried, err)
	}

	tried = nil
	err = onFreePort(0, func(port int) error {
		tried = append(tried, port)
		return fmt.Errorf("the handler %w", errExited)
	})
	if !errors.Is(err, errExited) || len(tried) != portAttempts {
		t.Errorf("always lost: tried %v, err %v; want %d tries, then the error", tried, err, portAttempts)
	}
}
