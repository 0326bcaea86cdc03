/**
 * The rows of a component's `data` prop as a Svelte store of `{ rows, loading }`.
 *
 * A page passes an Evidence query (a store that loads in the browser, possibly after the component first renders)
 * or a plain array. A component that read `Array.from(data)` once would keep an empty result when the query
 * finishes later (a chart left empty, a "no data" message shown for data that exists); this follows the query
 * until it has loaded, as Evidence's own QueryLoad does, and says whether it is still loading so the component
 * can show Evidence's skeleton meanwhile.
 */
import { readable } from 'svelte/store';
import { Query } from '@evidence-dev/sdk/usql';

export function queryRows(data) {
	if (!Query.isQuery(data)) return readable({ rows: Array.from(data ?? []), loading: false });
	return readable({ rows: Array.from(data), loading: !data.dataLoaded && !data.error }, (set) => {
		data.fetch();
		return data.subscribe((q) =>
			set({ rows: Array.from(q ?? []), loading: !!q && !q.dataLoaded && !q.error })
		);
	});
}
