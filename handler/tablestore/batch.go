package tablestore

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/handler/tasks"
)

// Entity group transactions (one partition, up to 100 operations, all or nothing) are how every
// write keeps the user's count exact. aztables v1.4.1 sends them (Client.SubmitTransaction) but
// throws their answer away: buildTransactionResponse (transactional_batch.go) returns an empty
// TransactionResponse on success, with none of the ETags the service sent, and on failure an
// error built from the outer 202, whose code is "UNAVAILABLE" and whose body it already read: which
// operation failed, and why (409 exists, 412 changed, 404 gone), is lost. Both are what this
// store needs, so it keeps the SDK for the request (signing, retries, the multipart body) and reads
// the service's answer itself: batchCapture, a per-call policy, copies the $batch response body
// for a request whose context asks for it, and parseBatch reads it as the Table service documents
// it ("Performing entity group transactions", learn.microsoft.com/rest/api/storageservices): one
// changeset response holding either one response per operation, in order, or a single error
// response whose message starts with the failed operation's index ("1:The specified entity
// already exists.").

// maxBatch is the service's limit of operations in one entity group transaction.
const maxBatch = 100

// opResult is one operation's answer in a transaction that succeeded.
type opResult struct {
	Status int
	ETag   azcore.ETag
}

// batchError is a transaction the service refused: nothing in it was applied. Index is the
// failed operation's position (-1 if the service did not say).
type batchError struct {
	Index  int
	Status int
	Code   string
}

func (e *batchError) Error() string {
	return fmt.Sprintf("entity group transaction refused: operation %d: %d %s", e.Index, e.Status, e.Code)
}

// failedAt reports whether err is a refused transaction whose operation i failed with status.
func failedAt(err error, i, status int) bool {
	var be *batchError
	return errors.As(err, &be) && be.Index == i && be.Status == status
}

type captureKey struct{}

// capturedResponse receives a $batch answer's body.
type capturedResponse struct {
	status      int
	contentType string
	body        []byte
}

// batchCapture copies the answer of a request whose context carries a *capturedResponse, and
// hands the body on unchanged to the SDK. Other requests pass through untouched.
type batchCapture struct{}

func (batchCapture) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	c, ok := req.Raw().Context().Value(captureKey{}).(*capturedResponse)
	if !ok || resp == nil || resp.Body == nil {
		return resp, err
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr == nil {
		c.status, c.contentType, c.body = resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	return resp, err
}

// submit runs actions as one entity group transaction on table and returns each operation's
// answer. A refusal by the service is a *batchError (wrapped with the domain's meaning by
// classifyBatch); anything else (no answer, a throttled or failed service) is ErrUnavailable,
// and then whether the transaction was applied is not known.
func submit(ctx context.Context, table *aztables.Client, op string, actions []aztables.TransactionAction) ([]opResult, error) {
	captured := &capturedResponse{}
	_, err := table.SubmitTransaction(context.WithValue(named(ctx, op), captureKey{}, captured), actions, nil)
	if captured.body == nil || captured.status != http.StatusAccepted {
		if err == nil {
			err = errors.New("no answer was read")
		}
		return nil, classify(op, err)
	}
	results, refused, perr := parseBatch(captured.contentType, captured.body)
	switch {
	case perr != nil:
		return nil, fmt.Errorf("%s: %w: read the transaction's answer: %w", op, tasks.ErrUnavailable, perr)
	case refused != nil:
		return nil, classifyBatch(op, refused)
	case len(results) != len(actions):
		return nil, fmt.Errorf("%s: %w: the transaction answered %d operations of %d", op, tasks.ErrUnavailable, len(results), len(actions))
	}
	return results, nil
}

// classifyBatch gives a refusal the domain's meaning where one operation's status has one
// (throttling or a service fault is ErrUnavailable); the *batchError stays in the chain so that
// callers can ask which operation failed.
func classifyBatch(op string, be *batchError) error {
	if be.Status == 408 || be.Status == 429 || be.Status >= 500 {
		return fmt.Errorf("%s: %w: %w", op, tasks.ErrUnavailable, be)
	}
	return fmt.Errorf("%s: %w", op, be)
}

// parseBatch reads a $batch answer: multipart/mixed holding one changeset, itself
// multipart/mixed holding one application/http response per operation, or one error.
func parseBatch(contentType string, body []byte) ([]opResult, *batchError, error) {
	outer, err := partsOf(contentType, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	changeset, err := outer.NextPart()
	if err != nil {
		return nil, nil, fmt.Errorf("no changeset: %w", err)
	}
	inner, err := partsOf(changeset.Header.Get("Content-Type"), changeset)
	if err != nil {
		return nil, nil, err
	}
	var results []opResult
	for {
		part, err := inner.NextPart()
		if err == io.EOF {
			return results, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
		resp, err := http.ReadResponse(bufio.NewReader(part), nil)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode >= 400 {
			return nil, refusal(resp, len(results)), nil
		}
		results = append(results, opResult{Status: resp.StatusCode, ETag: azcore.ETag(resp.Header.Get("ETag"))})
		resp.Body.Close()
	}
}

func partsOf(contentType string, r io.Reader) (*multipart.Reader, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		return nil, fmt.Errorf("not a multipart answer: %q", contentType)
	}
	return multipart.NewReader(r, params["boundary"]), nil
}

// refusal reads an error response: its code, and the failed operation's index from the front
// of its message; position is where the response stood, used when the message names none.
func refusal(resp *http.Response, position int) *batchError {
	defer resp.Body.Close()
	be := &batchError{Index: position, Status: resp.StatusCode}
	var doc struct {
		Error struct {
			Code    string `json:"code"`
			Message struct {
				Value string `json:"value"`
			} `json:"message"`
		} `json:"odata.error"`
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&doc) != nil {
		return be
	}
	be.Code = doc.Error.Code
	if i, _, ok := strings.Cut(doc.Error.Message.Value, ":"); ok {
		if n, err := strconv.Atoi(i); err == nil && n >= 0 {
			be.Index = n
		}
	}
	return be
}
