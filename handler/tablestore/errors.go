package tablestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// classify maps a service error onto the domain's errors, keeping the original wrapped for
// the log. Anything that is not a definite answer from the service (refused connection,
// timeout, 5xx, throttling) means "unavailable": the client may retry, the data is intact.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err) // the caller went away; nobody reads the answer
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: %w: %w", op, tasks.ErrUnavailable, err)
	}
	switch {
	case re.StatusCode == 404:
		return fmt.Errorf("%s: %w", op, tasks.ErrNotFound)
	case re.StatusCode == 412:
		return fmt.Errorf("%s: %w", op, tasks.ErrPreconditionFailed)
	case re.StatusCode == 408 || re.StatusCode == 429 || re.StatusCode >= 500:
		return fmt.Errorf("%s: %w: %w", op, tasks.ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

func isPreconditionFailed(err error) bool { return errors.Is(err, tasks.ErrPreconditionFailed) }

func hasCode(err error, code aztables.TableErrorCode) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.ErrorCode == string(code)
}

func hasStatus(err error, status int) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == status
}
