package content_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/halcytone/halcytone/content"
)

func ExampleDefaultAssembler_Assemble() {
	a := content.NewAssembler() // build once, share: it is safe for concurrent use
	post := &content.Announcement{
		Base: content.Base{
			Title: "Breathscape Pulse pre-orders open",
			Body:  "Pulse, our soft chest band that measures heart rate variability beat to beat, can be pre-ordered from today.",
		},
		Urgency: content.UrgencyHigh,
	}
	b, err := a.Assemble(context.Background(), content.DocumentOf(post), content.Options{
		Platforms: []content.Platform{content.PlatformTwitter},
		Now:       time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := b.Social[0]
	fmt.Println(b.ContentType, x.Platform, x.WeightedLength <= x.Limit, len(x.Hashtags) <= 2)
	// Output: announcement twitter true true
}

func ExampleWeightedLength() {
	fmt.Println(content.WeightedLength("hello"))                       // ASCII weighs 1
	fmt.Println(content.WeightedLength("こんにちは"))                       // CJK weighs 2
	fmt.Println(content.WeightedLength("see https://example.com/a/b")) // a URL weighs 23
	fmt.Println(content.WeightedLength(strings.Repeat("a", 281)) > 280)
	// Output:
	// 5
	// 10
	// 27
	// true
}

func ExampleMerge() {
	html := `<p>Hello ` + content.MergeName + `</p>`
	fmt.Println(content.Merge(html, map[string]string{"name": "<Ada>"}, true))
	// Output: <p>Hello &lt;Ada&gt;</p>
}
