package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/halcytone/halcytone/mock"
)

// mockTokens are the credentials the fakes accept; demo values only.
const (
	mockCRMKey        = "mock-crm-key"
	mockPlatformToken = "mock-platform-token"
	mockCDNToken      = "mock-cdn-token"
	mockXToken        = "mock-x-token"
	mockLinkedInToken = "mock-linkedin-token"
	mockGraphToken    = "mock-graph-token"
	mockNotionToken   = "mock-notion-token"
)

// mockServices are the running fakes of the mock command.
type mockServices struct {
	crm      *mock.CRM
	platform *mock.Platform
	cdn      *mock.CDN
	x        *mock.X
	linkedin *mock.LinkedIn
	graph    *mock.Graph
	notion   *mock.Notion
	notionDB string
}

// mockNotionDB is the id of the Notion database the fakes serve: 32 hex
// digits, as the Notion source wants an id.
const mockNotionDB = "5ca1ab1e0000400080000000000da7a5"

// startMocks starts every fake publishing and source service on loopback
// ports, seeded with demo data.
func startMocks() (*mockServices, error) {
	m := &mockServices{
		crm: mock.NewCRM(mockCRMKey), platform: mock.NewPlatform(mockPlatformToken), cdn: mock.NewCDN(mockCDNToken),
		x: mock.NewX(mockXToken), linkedin: mock.NewLinkedIn(mockLinkedInToken), graph: mock.NewGraph(mockGraphToken),
		notion: mock.NewNotion(mockNotionToken),
	}
	m.crm.AddSubscribers(
		mock.CRMSubscriber{ID: "sub-001", Name: "Ada Lovelace", Email: "ada@example.com"},
		mock.CRMSubscriber{ID: "sub-002", Name: "Grace Hopper", Email: "grace@example.com"},
		mock.CRMSubscriber{ID: "sub-003", Name: "Test Inbox", Email: "test@example.com", Test: true},
	)
	m.notionDB = m.notion.AddDatabase(mockNotionDB, "Weekly updates")
	if _, err := m.notion.AddPage(m.notionDB, mock.NotionPage{
		Title: "Breathing sessions are back", Category: "Update", Date: "2026-11-20",
		Content: "Our guided breathing sessions return next week, with two new techniques and a longer cool-down.",
	}); err != nil {
		return nil, err
	}
	for _, start := range []func() string{m.crm.Start, m.platform.Start, m.cdn.Start, m.x.Start, m.linkedin.Start, m.graph.Start, m.notion.Start} {
		start()
	}
	return m, nil
}

// env returns the variables that point serve at the fakes.
func (m *mockServices) env() [][2]string {
	return [][2]string{
		{"HALCYTONE_CRM_URL", m.crm.URL()}, {"HALCYTONE_CRM_API_KEY", mockCRMKey},
		{"HALCYTONE_PLATFORM_URL", m.platform.URL()}, {"HALCYTONE_PLATFORM_TOKEN", mockPlatformToken},
		{"HALCYTONE_CDN_URL", m.cdn.URL()}, {"HALCYTONE_CDN_ZONE", "demo-zone"}, {"HALCYTONE_CDN_TOKEN", mockCDNToken},
		{"HALCYTONE_X_URL", m.x.URL()}, {"HALCYTONE_X_TOKEN", mockXToken},
		{"HALCYTONE_LINKEDIN_URL", m.linkedin.URL()}, {"HALCYTONE_LINKEDIN_TOKEN", mockLinkedInToken},
		{"HALCYTONE_LINKEDIN_AUTHOR", "urn:li:organization:1001"},
		{"HALCYTONE_GRAPH_URL", m.graph.URL()}, {"HALCYTONE_GRAPH_TOKEN", mockGraphToken},
		{"HALCYTONE_FACEBOOK_PAGE_ID", "1001"}, {"HALCYTONE_INSTAGRAM_USER_ID", "2002"},
		{"HALCYTONE_NOTION_URL", m.notion.URL()}, {"HALCYTONE_NOTION_TOKEN", mockNotionToken},
	}
}

func (m *mockServices) close() {
	for _, c := range []func(){m.crm.Close, m.platform.Close, m.cdn.Close, m.x.Close, m.linkedin.Close, m.graph.Close, m.notion.Close} {
		c()
	}
}

// runMock is the mock command: it runs the fakes until interrupted.
func runMock(ctx context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: halcytone mock\n\nStarts fake CRM, website platform, CDN, X, LinkedIn, Facebook/Instagram Graph and Notion\nservices on loopback ports and prints the environment that points `halcytone serve` at them.")
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	m, err := startMocks()
	if err != nil {
		return err
	}
	defer m.close()
	var b strings.Builder
	b.WriteString("# Fake services are running. In another shell, paste these lines, then run `halcytone serve`:\n")
	for _, kv := range m.env() {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "# A Notion document to sync: notion:%s\n# Press Ctrl-C to stop.\n", m.notionDB)
	fmt.Fprint(stdout, b.String())
	<-ctx.Done()
	return nil
}
