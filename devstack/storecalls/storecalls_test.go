package storecalls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack"
	"github.com/example/entra-tasks/devstack/storecalls"
	"github.com/example/entra-tasks/testkit/testenv"
)

// The same aztables calls, counted by the policy in the client and by the proxy in front of
// Azurite, give the same record: one classifier serves both, and what the proxy counts on the
// wire is what a store in the same process would count.
func TestPolicyAndProxyCountTheSameCalls(t *testing.T) {
	azurite := testenv.StartAzurite(t)
	var inClient, onWire storecalls.Counter

	direct := tableClient(t, azurite.ConnectionString(), "counted", &inClient)
	proxied := tableClient(t, proxyConnectionString(t, azurite.ConnectionString(), &onWire), "counted")
	if _, err := direct.CreateTable(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	inClient.Reset()

	for i, client := range []*aztables.Client{direct, proxied} {
		exercise(t, client, fmt.Sprintf("p%d", i))
	}
	want := []storecalls.Call{
		{Op: "insert", Table: "counted", Status: 201, Writes: 1},
		{Op: "insert", Table: "counted", Status: 201, Writes: 1},
		{Op: "batch", Table: "$batch", Status: 202, Writes: 3},
		{Op: "get", Table: "counted", Status: 200, Rows: 1},
		{Op: "get", Table: "counted", Status: 404},
		{Op: "query", Table: "counted", Status: 200, Rows: 5},
		{Op: "update", Table: "counted", Status: 204, Writes: 1},
		{Op: "merge", Table: "counted", Status: 204, Writes: 1},
		{Op: "delete", Table: "counted", Status: 204, Writes: 1},
	}
	for name, c := range map[string]*storecalls.Counter{"policy": &inClient, "proxy": &onWire} {
		if got := c.Calls(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s counted\n%+v\nwant\n%+v", name, got, want)
		}
		tally := c.Tally()
		if tally.Calls != 9 || tally.Rows != 6 || tally.Writes != 8 || tally.ByOp["insert"] != 2 || tally.ByOp["batch"] != 1 {
			t.Errorf("%s tally %+v", name, tally)
		}
		c.Reset()
		if n := c.Tally().Calls; n != 0 {
			t.Errorf("%s: %d calls after Reset", name, n)
		}
	}
}

// exercise makes one call of each kind in partition pk of a fresh table.
func exercise(t *testing.T, client *aztables.Client, pk string) {
	t.Helper()
	ctx := context.Background()
	entity := func(rk string) []byte {
		b, _ := json.Marshal(map[string]any{"PartitionKey": pk, "RowKey": rk, "Title": "t"})
		return b
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := client.AddEntity(ctx, entity("a"), nil)
	must(err)
	_, err = client.AddEntity(ctx, entity("b"), nil)
	must(err)
	var batch []aztables.TransactionAction
	for _, rk := range []string{"c", "d", "e"} {
		batch = append(batch, aztables.TransactionAction{ActionType: aztables.TransactionTypeAdd, Entity: entity(rk)})
	}
	_, err = client.SubmitTransaction(ctx, batch, nil)
	must(err)
	_, err = client.GetEntity(ctx, pk, "a", nil)
	must(err)
	if _, err := client.GetEntity(ctx, pk, "missing", nil); err == nil {
		t.Fatal("a missing entity was found")
	}
	filter := "PartitionKey eq '" + pk + "'"
	_, err = client.NewListEntitiesPager(&aztables.ListEntitiesOptions{Filter: &filter}).NextPage(ctx)
	must(err)
	_, err = client.UpdateEntity(ctx, entity("a"), &aztables.UpdateEntityOptions{UpdateMode: aztables.UpdateModeReplace})
	must(err)
	_, err = client.UpdateEntity(ctx, entity("b"), &aztables.UpdateEntityOptions{UpdateMode: aztables.UpdateModeMerge})
	must(err)
	any := azcore.ETagAny
	_, err = client.DeleteEntity(ctx, pk, "c", &aztables.DeleteEntityOptions{IfMatch: &any})
	must(err)
}

func tableClient(t *testing.T, connectionString, table string, perCall ...policy.Policy) *aztables.Client {
	t.Helper()
	opts := &aztables.ClientOptions{ClientOptions: azcore.ClientOptions{PerCallPolicies: perCall}}
	svc, err := aztables.NewServiceClientFromConnectionString(connectionString, opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc.NewClient(table)
}

// proxyConnectionString starts c's proxy in front of the table endpoint of connectionString and
// returns the same connection string pointing at the proxy.
func proxyConnectionString(t *testing.T, connectionString string, c *storecalls.Counter) string {
	t.Helper()
	var endpoint string
	for _, part := range strings.Split(connectionString, ";") {
		if v, ok := strings.CutPrefix(part, "TableEndpoint="); ok {
			endpoint = v
		}
	}
	target, err := url.Parse(endpoint)
	if err != nil || endpoint == "" {
		t.Fatalf("no table endpoint in the connection string: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: c.Proxy(&url.URL{Scheme: target.Scheme, Host: target.Host})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return devstack.TableConnectionString(ln.Addr().(*net.TCPAddr).Port)
}

// A request the proxy cannot forward is still counted, with no status.
func TestProxyCountsACallThatGotNoAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now
	var c storecalls.Counter
	proxy := c.Proxy(&url.URL{Scheme: "http", Host: dead})
	srv := &http.Server{Handler: proxy}
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln2)
	defer srv.Close()
	resp, err := http.Get("http://" + ln2.Addr().String() + "/devstoreaccount1/tasks(PartitionKey='p',RowKey='r')")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	want := []storecalls.Call{{Op: "get", Table: "tasks", Status: 0}}
	if got := c.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("counted %+v, want %+v", got, want)
	}
}
