"""The trading engine: forecasts, battery model, planner, plans and outcomes, delivery maths.

Pure Python and numpy; reading and phrasing language lives in ``..language``. Nothing in this
package imports Home Assistant, so the neighbourhood simulator and the tests can drive it with
plain data. A whole decision, without Home Assistant:

    history = forecast.DailyHistory(start, load_kwh_matrix, pv_kwh_matrix)      # (days, 24)
    fc = forecast.build_forecast(history, today, excluded=[forecast.Period(...)])
    plan = planner.plan_request(
        plans.TradeRequest("sell", first_day, 7, reason="holiday"),
        fc,
        battery.BatterySpec(capacity_kwh=10.0),
        battery.commitments_from_wire(orders_json),   # GET /api/v1/orders
        planner.Preferences(max_buy_price=0.15, min_sell_price=0.06),
    )
    # submit plan.volumes at plan.limit_price; then, with the returned orders:
    result = plans.build_outcome(plan, order_states, request_id=..., client_request_id=...,
                                   high_price_threshold=0.11)
    text = explain.outcome_speech  # language.speak.explain(result, today=today, language="en")
"""
