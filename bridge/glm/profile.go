package glm

import (
	"fmt"
	"slices"
	"strings"
)

// Tool-choice capability values listed in Profile.ToolChoices. ToolChoiceNamed stands for the
// object form {"type":"function","function":{"name":…}}.
const (
	ToolChoiceNone     = "none"
	ToolChoiceAuto     = "auto"
	ToolChoiceRequired = "required"
	ToolChoiceNamed    = "named"
)

// Response-format types accepted in ResponseFormat.Type and listed in Profile.ResponseFormats.
const (
	FormatText       = "text"
	FormatJSONObject = "json_object"
	FormatJSONSchema = "json_schema"
)

// Profile describes one chat-completions endpoint that serves GLM: where it is, which model id
// it knows GLM-4.7 by, which environment variable conventionally holds its key, and what it
// accepts. The capabilities travel with the profile when Config.BaseURL overrides the URL, so a
// test can run the zai profile against a local server and still get zai's rules.
type Profile struct {
	// Name is the profile's name as given to --provider.
	Name string
	// BaseURL is the endpoint root; "/chat/completions" is appended. Empty means it must be
	// supplied through Config.BaseURL.
	BaseURL string
	// Model is the default model id.
	Model string
	// KeyEnv names the environment variable users put the key in; it is only quoted in error
	// messages, never read here.
	KeyEnv string
	// KeyOptional is true when the endpoint may run without a key (a local server).
	KeyOptional bool
	// ToolChoices lists the tool_choice values the endpoint accepts (ToolChoiceNone, …,
	// ToolChoiceNamed). Others must be emulated by the caller.
	ToolChoices []string
	// ResponseFormats lists the accepted response_format types.
	ResponseFormats []string
	// MaxStop is the largest number of stop sequences the endpoint accepts.
	MaxStop int
	// Thinking is true when the endpoint takes the "thinking" parameter.
	Thinking bool
	// ToolStream is true when the endpoint takes "tool_stream" (argument fragments).
	ToolStream bool
	// StreamUsage is true when the endpoint reports usage in a stream only if asked with
	// stream_options.include_usage; the client then asks for it.
	StreamUsage bool
}

// DefaultProfile is the name of the profile used when none is given.
const DefaultProfile = "zai"

func glmNative(name, url, keyEnv string) Profile {
	return Profile{
		Name:            name,
		BaseURL:         url,
		Model:           "glm-4.7",
		KeyEnv:          keyEnv,
		ToolChoices:     []string{ToolChoiceAuto},
		ResponseFormats: []string{FormatText, FormatJSONObject},
		MaxStop:         1,
		Thinking:        true,
		ToolStream:      true,
	}
}

func openAIStyle(name, url, model, keyEnv string) Profile {
	return Profile{
		Name:            name,
		BaseURL:         url,
		Model:           model,
		KeyEnv:          keyEnv,
		ToolChoices:     []string{ToolChoiceNone, ToolChoiceAuto, ToolChoiceRequired, ToolChoiceNamed},
		ResponseFormats: []string{FormatText, FormatJSONObject, FormatJSONSchema},
		MaxStop:         4,
		StreamUsage:     true,
	}
}

// profiles returns fresh copies so that callers cannot change the table through the slices.
func profiles() []Profile {
	compat := openAIStyle("openai-compatible", "", "glm-4.7", "OPENAI_API_KEY")
	compat.KeyOptional = true
	return []Profile{
		glmNative("zai", "https://api.z.ai/api/paas/v4", "ZAI_API_KEY"),
		glmNative("zai-coding", "https://api.z.ai/api/coding/paas/v4", "ZAI_API_KEY"),
		glmNative("bigmodel", "https://open.bigmodel.cn/api/paas/v4", "ZHIPUAI_API_KEY"),
		openAIStyle("aimlapi", "https://api.aimlapi.com/v1", "zhipu/glm-4.7", "AIMLAPI_API_KEY"),
		compat,
	}
}

// Profiles returns every known provider profile, the default first.
func Profiles() []Profile { return profiles() }

// ProfileNames returns the names of the known profiles, the default first.
func ProfileNames() []string {
	var names []string
	for _, p := range profiles() {
		names = append(names, p.Name)
	}
	return names
}

// LookupProfile returns the profile called name; an empty name means DefaultProfile. An unknown
// name is an error that lists the valid ones.
func LookupProfile(name string) (Profile, error) {
	if name == "" {
		name = DefaultProfile
	}
	for _, p := range profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("glm: unknown provider %q (valid: %s)", name, strings.Join(ProfileNames(), ", "))
}

// AcceptsToolChoice reports whether the endpoint takes tc as it is.
func (p Profile) AcceptsToolChoice(tc ToolChoice) bool {
	return slices.Contains(p.ToolChoices, tc.capability())
}

// Check reports the parts of r that this endpoint does not accept: a tool_choice it would
// refuse or hang on (the caller emulates those), a response format, thinking or tool_stream it
// does not take, or too many stop sequences. Range checks are Request.Validate's job.
func (p Profile) Check(r *Request) error {
	var errs []error
	bad := func(param, format string, args ...any) {
		errs = append(errs, &ParamError{Param: param, Msg: fmt.Sprintf(format, args...)})
	}
	if r.ToolChoice != nil && !p.AcceptsToolChoice(*r.ToolChoice) {
		bad("tool_choice", "%s is not accepted by provider %s (accepted: %s); emulate it or use auto",
			r.ToolChoice, p.Name, strings.Join(p.ToolChoices, ", "))
	}
	if rf := r.ResponseFormat; rf != nil && !slices.Contains(p.ResponseFormats, rf.Type) {
		bad("response_format", "type %q is not accepted by provider %s (accepted: %s)",
			rf.Type, p.Name, strings.Join(p.ResponseFormats, ", "))
	}
	if r.Thinking != nil && !p.Thinking {
		bad("thinking", "provider %s does not take the thinking parameter", p.Name)
	}
	if r.ToolStream != nil && *r.ToolStream && !p.ToolStream {
		bad("tool_stream", "provider %s does not take the tool_stream parameter", p.Name)
	}
	if len(r.Stop) > p.MaxStop {
		bad("stop", "%d stop sequences given; provider %s accepts 0 to %d", len(r.Stop), p.Name, p.MaxStop)
	}
	return joinErrs(errs)
}
