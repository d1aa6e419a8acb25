//go:build tools

// The wrapper module for Pulumi YAML's language host: pulumi-yaml's own requirements (it
// compiles only against the pulumi pkg/sdk API it names, v3.206.0; 3.225 and 3.248 changed
// plugin.NewContextWithRoot and schema.NewPluginLoader), plus pulumi-yaml itself.
package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
